// One training run per outDir at a time. Two runs writing best/last into one folder would swap
// each other's checkpoints; the lock (flock on outDir/.lock, released by the kernel if the
// process dies) refuses the second with ErrorCode::Busy.
#pragma once
#include <string>

namespace ser::train {

class OutDirLock {
 public:
  // Creates out_dir when missing, then takes the lock or throws (Busy, or Io when the folder
  // cannot be created).
  explicit OutDirLock(const std::string& out_dir);
  ~OutDirLock();
  OutDirLock(const OutDirLock&) = delete;
  OutDirLock& operator=(const OutDirLock&) = delete;

 private:
  int fd_ = -1;
};

}  // namespace ser::train
