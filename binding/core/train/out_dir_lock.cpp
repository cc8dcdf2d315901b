#include "train/out_dir_lock.h"

#include <cerrno>
#include <cstring>
#include <filesystem>

#include <fcntl.h>
#include <sys/file.h>
#include <unistd.h>

#include "error.h"

namespace ser::train {

OutDirLock::OutDirLock(const std::string& out_dir) {
  std::error_code ec;
  std::filesystem::create_directories(out_dir, ec);
  if (ec) throw Error(ErrorCode::Io, "cannot create outDir " + out_dir + ": " + ec.message());
  const std::string path = (std::filesystem::path(out_dir) / ".lock").string();
  fd_ = ::open(path.c_str(), O_RDWR | O_CREAT | O_CLOEXEC, 0644);
  if (fd_ < 0) throw Error(ErrorCode::Io, "cannot open " + path + ": " + std::strerror(errno));
  if (::flock(fd_, LOCK_EX | LOCK_NB) != 0) {
    const int err = errno;
    ::close(fd_);
    fd_ = -1;
    if (err == EWOULDBLOCK)
      throw Error(ErrorCode::Busy,
                  "outDir " + out_dir + " is in use by another training run; wait for it or use another outDir");
    throw Error(ErrorCode::Io, "cannot lock " + path + ": " + std::strerror(err));
  }
}

OutDirLock::~OutDirLock() {
  if (fd_ >= 0) ::close(fd_);  // closing releases the flock
}

}  // namespace ser::train
