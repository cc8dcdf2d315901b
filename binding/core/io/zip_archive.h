// The zip side of torch.save's format: a bounded reader over the file, the archive's index of
// stored records, and CRC-checked record reads. Only what torch.save writes is accepted (stored,
// unencrypted records, zip64 sizes); every size is checked against the file before anything is
// allocated or read. Failures are ser::Error(ErrorCode::Checkpoint) messages that start with the path.
#pragma once
#include <cstdint>
#include <fstream>
#include <string>
#include <unordered_map>
#include <vector>

namespace ser::io {

// A regular file whose every offset and length is checked against its size before a read.
// `what` names the part being read, for the error message.
class BoundedFile {
 public:
  explicit BoundedFile(const std::string& path);
  uint64_t size() const { return size_; }
  const std::string& path() const { return path_; }

  void read(uint64_t offset, void* dst, uint64_t n, const std::string& what);
  std::vector<unsigned char> bytes(uint64_t offset, uint64_t n, const std::string& what);

 private:
  void check_range(uint64_t offset, uint64_t n, const std::string& what) const;

  std::string path_;
  uint64_t size_ = 0;
  std::ifstream in_;
};

// Where one stored record's bytes lie in the file, and the CRC-32 they must have.
struct ZipRecord {
  uint64_t offset = 0;  // of the data, after the local header
  uint64_t size = 0;
  uint32_t crc = 0;
};

struct ZipIndex {
  std::vector<std::string> names;  // central-directory order
  std::unordered_map<std::string, ZipRecord> records;
};

// Reads and validates the central directory and each record's local header.
ZipIndex read_zip_index(BoundedFile& file);

// Reads the record's `record.size` bytes into `dst` and checks their CRC-32.
void read_zip_record(BoundedFile& file, const std::string& name, const ZipRecord& record, void* dst);

namespace detail {

// The n-byte little-endian unsigned integer at p (zip fields; pickle's binary integers too).
inline uint64_t read_le(const unsigned char* p, int n) {
  uint64_t v = 0;
  for (int i = n - 1; i >= 0; --i) v = (v << 8) | p[i];
  return v;
}

}  // namespace detail
}  // namespace ser::io
