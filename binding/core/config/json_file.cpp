#include "config/json_file.h"

#include <cerrno>
#include <cstdio>
#include <cstring>
#include <fcntl.h>
#include <fstream>
#include <sstream>
#include <sys/stat.h>
#include <unistd.h>

namespace ser {

std::string read_text_file(const std::string& path, ErrorCode code) {
  struct stat st {};
  if (::stat(path.c_str(), &st) != 0) throw Error(code, "no such file: " + path);
  if (!S_ISREG(st.st_mode)) throw Error(code, "not a regular file: " + path);
  if (st.st_size > 64 * 1024 * 1024) throw Error(code, "file too large for a config: " + path);
  std::ifstream in(path, std::ios::binary);
  if (!in) throw Error(code, "cannot open " + path);
  std::ostringstream os;
  os << in.rdbuf();
  return os.str();
}

bool file_exists(const std::string& path) {
  struct stat st {};
  return ::stat(path.c_str(), &st) == 0 && S_ISREG(st.st_mode);
}

void write_text_file_atomic(const std::string& path, const std::string& text) {
  const std::string tmp = path + ".tmp-" + std::to_string(::getpid());
  FILE* f = std::fopen(tmp.c_str(), "wb");
  if (!f) throw Error(ErrorCode::Io, "cannot write " + tmp);
  const bool ok =
      std::fwrite(text.data(), 1, text.size(), f) == text.size() && std::fflush(f) == 0 && ::fsync(fileno(f)) == 0;
  std::fclose(f);
  if (!ok || std::rename(tmp.c_str(), path.c_str()) != 0) {
    std::remove(tmp.c_str());
    throw Error(ErrorCode::Io, "cannot write " + path);
  }
  sync_parent_folder(path);
}

void sync_to_disk(const std::string& path) {
  const int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) throw Error(ErrorCode::Io, "cannot open " + path + " to sync it: " + std::strerror(errno));
  struct stat st {};
  const bool folder = ::fstat(fd, &st) == 0 && S_ISDIR(st.st_mode);
  const int rc = ::fsync(fd);
  const int err = errno;
  ::close(fd);
  // Some file systems refuse fsync on folders (EINVAL); their renames are as durable as they get.
  if (rc != 0 && !(folder && (err == EINVAL || err == EBADF)))
    throw Error(ErrorCode::Io, "cannot sync " + path + " to disk: " + std::strerror(err));
}

void sync_parent_folder(const std::string& path) {
  const auto slash = path.find_last_of('/');
  sync_to_disk(slash == std::string::npos ? "." : (slash == 0 ? "/" : path.substr(0, slash)));
}

}  // namespace ser
