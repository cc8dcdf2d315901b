#include "io/zip_archive.h"

#include <algorithm>
#include <array>
#include <cerrno>
#include <cstring>

#include <sys/stat.h>

#include "error.h"

namespace ser::io {
namespace {

using detail::read_le;

// CRC-32 (zip's polynomial), slicing by 8: corrupt downloads are caught, as torch.load catches them.
uint32_t crc32(const unsigned char* p, size_t n, uint32_t crc = 0) {
  static const auto table = [] {
    std::array<std::array<uint32_t, 256>, 8> t{};
    for (uint32_t i = 0; i < 256; ++i) {
      uint32_t c = i;
      for (int k = 0; k < 8; ++k) c = (c & 1) ? 0xEDB88320u ^ (c >> 1) : c >> 1;
      t[0][i] = c;
    }
    for (uint32_t i = 0; i < 256; ++i)
      for (int s = 1; s < 8; ++s) t[s][i] = (t[s - 1][i] >> 8) ^ t[0][t[s - 1][i] & 0xFF];
    return t;
  }();
  crc = ~crc;
  for (; n >= 8; n -= 8, p += 8) {
    const uint32_t a = static_cast<uint32_t>(read_le(p, 4)) ^ crc, b = static_cast<uint32_t>(read_le(p + 4, 4));
    crc = table[7][a & 0xFF] ^ table[6][(a >> 8) & 0xFF] ^ table[5][(a >> 16) & 0xFF] ^ table[4][a >> 24] ^
          table[3][b & 0xFF] ^ table[2][(b >> 8) & 0xFF] ^ table[1][(b >> 16) & 0xFF] ^ table[0][b >> 24];
  }
  for (; n > 0; --n, ++p) crc = table[0][(crc ^ *p) & 0xFF] ^ (crc >> 8);
  return ~crc;
}

constexpr uint64_t kMaxCentralDir = 64ull << 20;
constexpr uint32_t kMax32 = 0xFFFFFFFFu;

struct CentralDir {
  uint64_t entries, offset, size;
};

CentralDir find_central_dir(BoundedFile& f) {
  const uint64_t tail_len = std::min<uint64_t>(f.size(), 22 + 0xFFFF);
  const auto tail = f.bytes(f.size() - tail_len, tail_len, "end of the zip archive");
  for (int64_t pos = static_cast<int64_t>(tail_len) - 22; pos >= 0; --pos) {
    const unsigned char* e = tail.data() + pos;
    if (read_le(e, 4) != 0x06054b50) continue;
    CentralDir cd{read_le(e + 10, 2), read_le(e + 16, 4), read_le(e + 12, 4)};
    const uint64_t eocd = f.size() - tail_len + static_cast<uint64_t>(pos);
    // torch writes zip64 records; when the locator is there its 64-bit values are the real ones.
    if (eocd >= 20) {
      unsigned char loc[20];
      f.read(eocd - 20, loc, 20, "zip64 locator");
      if (read_le(loc, 4) == 0x07064b50) {
        unsigned char z[56];
        f.read(read_le(loc + 8, 8), z, 56, "zip64 end of central directory");
        if (read_le(z, 4) != 0x06064b50)
          fail_at(ErrorCode::Checkpoint, f.path(), "zip64 end of central directory has a bad signature");
        cd = {read_le(z + 32, 8), read_le(z + 48, 8), read_le(z + 40, 8)};
      }
    }
    return cd;
  }
  fail_at(ErrorCode::Checkpoint, f.path(), "no zip end-of-central-directory record (truncated or not a zip archive)");
}

// A zip64 extra field holds, in order, only those sizes whose 32-bit field is 0xFFFFFFFF.
void apply_zip64_extra(const std::string& path, const std::string& name, const unsigned char* x, size_t len,
                       uint64_t& uncomp, uint64_t& comp, uint64_t& local) {
  for (size_t p = 0; p + 4 <= len;) {
    const uint64_t id = read_le(x + p, 2), n = read_le(x + p + 2, 2);
    if (n > len - p - 4) fail_at(ErrorCode::Checkpoint, path, "zip record '" + name + "' has a malformed extra field");
    if (id == 1) {
      size_t q = p + 4;
      for (uint64_t* v : {&uncomp, &comp, &local}) {
        if (*v != kMax32) continue;
        if (q + 8 > p + 4 + n)
          fail_at(ErrorCode::Checkpoint, path, "zip record '" + name + "' has a short zip64 field");
        *v = read_le(x + q, 8), q += 8;
      }
    }
    p += 4 + n;
  }
}

}  // namespace

BoundedFile::BoundedFile(const std::string& path) : path_(path) {
  struct stat st {};
  if (::stat(path.c_str(), &st) != 0)
    fail_at(ErrorCode::Checkpoint, path, std::string("cannot open (") + std::strerror(errno) + ")");
  if (!S_ISREG(st.st_mode)) fail_at(ErrorCode::Checkpoint, path, "is not a regular file");
  size_ = static_cast<uint64_t>(st.st_size);
  in_.open(path, std::ios::binary);
  if (!in_) fail_at(ErrorCode::Checkpoint, path, std::string("cannot open (") + std::strerror(errno) + ")");
}

void BoundedFile::check_range(uint64_t offset, uint64_t n, const std::string& what) const {
  if (offset > size_ || n > size_ - offset)
    fail_at(ErrorCode::Checkpoint, path_,
            what + " (bytes " + std::to_string(offset) + "+" + std::to_string(n) + ") lies outside the " +
                std::to_string(size_) + "-byte file (truncated?)");
}

void BoundedFile::read(uint64_t offset, void* dst, uint64_t n, const std::string& what) {
  check_range(offset, n, what);
  if (n == 0) return;
  in_.clear();
  in_.seekg(static_cast<std::streamoff>(offset));
  in_.read(static_cast<char*>(dst), static_cast<std::streamsize>(n));
  if (!in_) fail_at(ErrorCode::Checkpoint, path_, "cannot read " + what + " at byte offset " + std::to_string(offset));
}

std::vector<unsigned char> BoundedFile::bytes(uint64_t offset, uint64_t n, const std::string& what) {
  check_range(offset, n, what);  // before the allocation
  std::vector<unsigned char> out(n);
  read(offset, out.data(), n, what);
  return out;
}

ZipIndex read_zip_index(BoundedFile& f) {
  const CentralDir cd = find_central_dir(f);
  if (cd.size > kMaxCentralDir)
    fail_at(ErrorCode::Checkpoint, f.path(),
            "zip central directory of " + std::to_string(cd.size) + " bytes is over the 64 MB limit");
  if (cd.entries > cd.size / 46)
    fail_at(ErrorCode::Checkpoint, f.path(),
            "zip central directory is too small for its " + std::to_string(cd.entries) + " entries");
  const auto dir = f.bytes(cd.offset, cd.size, "zip central directory");
  ZipIndex index;
  size_t p = 0;
  for (uint64_t i = 0; i < cd.entries; ++i) {
    if (dir.size() - p < 46 || read_le(&dir[p], 4) != 0x02014b50)
      fail_at(ErrorCode::Checkpoint, f.path(), "zip central directory entry " + std::to_string(i) + " is malformed");
    const unsigned char* h = &dir[p];
    const uint64_t flags = read_le(h + 8, 2), method = read_le(h + 10, 2), name_len = read_le(h + 28, 2),
                   extra_len = read_le(h + 30, 2), comment_len = read_le(h + 32, 2);
    if (dir.size() - p - 46 < name_len + extra_len + comment_len)
      fail_at(ErrorCode::Checkpoint, f.path(),
              "zip central directory entry " + std::to_string(i) + " runs past the directory");
    const std::string name(reinterpret_cast<const char*>(h + 46), name_len);
    if (flags & 1) fail_at(ErrorCode::Checkpoint, f.path(), "zip record '" + name + "' is encrypted");
    // Stored only, as torch.save writes: a compressed record could claim any size (zip bomb).
    if (method != 0)
      fail_at(ErrorCode::Checkpoint, f.path(),
              "zip record '" + name + "' is compressed (method " + std::to_string(method) +
                  "); torch.save stores records uncompressed");
    uint64_t comp = read_le(h + 20, 4), uncomp = read_le(h + 24, 4), local = read_le(h + 42, 4);
    apply_zip64_extra(f.path(), name, h + 46 + name_len, extra_len, uncomp, comp, local);
    if (comp != uncomp)
      fail_at(ErrorCode::Checkpoint, f.path(),
              "zip record '" + name + "' is stored with differing sizes " + std::to_string(comp) + " and " +
                  std::to_string(uncomp));
    unsigned char lh[30];
    f.read(local, lh, 30, "local header of zip record '" + name + "'");
    if (read_le(lh, 4) != 0x04034b50)
      fail_at(ErrorCode::Checkpoint, f.path(), "zip record '" + name + "' has a bad local header");
    const uint64_t data_offset = local + 30 + read_le(lh + 26, 2) + read_le(lh + 28, 2);
    ZipRecord r{data_offset, comp, static_cast<uint32_t>(read_le(h + 16, 4))};
    if (r.offset > f.size() || r.size > f.size() - r.offset)
      fail_at(ErrorCode::Checkpoint, f.path(),
              "zip record '" + name + "' (" + std::to_string(r.size) + " bytes at offset " + std::to_string(r.offset) +
                  ") lies outside the " + std::to_string(f.size()) + "-byte file (truncated?)");
    if (!index.records.emplace(name, r).second)
      fail_at(ErrorCode::Checkpoint, f.path(), "zip archive holds '" + name + "' twice");
    index.names.push_back(name);
    p += 46 + name_len + extra_len + comment_len;
  }
  return index;
}

void read_zip_record(BoundedFile& f, const std::string& name, const ZipRecord& r, void* dst) {
  f.read(r.offset, dst, r.size, "zip record '" + name + "'");
  if (crc32(static_cast<const unsigned char*>(dst), r.size) != r.crc)
    fail_at(ErrorCode::Checkpoint, f.path(), "zip record '" + name + "' fails its CRC check (corrupt file)");
}

}  // namespace ser::io
