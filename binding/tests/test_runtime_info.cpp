// runtime_info() names the libtorch that runs (issue 14: Debian's 1.13, a pip torch, an unpacked one).
#include <cstdlib>
#include <filesystem>
#include <string>

#include "runtime/runtime_info.h"
// Last: its CHECK replaces the glog CHECK that torch's headers bring in.
#include "harness.h"

namespace fs = std::filesystem;

TEST_CASE("runtime info: the loaded libtorch's file, its origin, and libc10 beside it") {
  const auto info = ser::runtime::runtime_info();
  CHECK(!info.torch_library.empty());
  CHECK(fs::exists(info.torch_library));
  CHECK(fs::path(info.torch_library).filename().string().rfind("libtorch_cpu.so", 0) == 0);
  // One install: c10 comes from the same folder (a mixed build links Debian's c10 beside a wheel's torch).
  bool c10 = false;
  for (auto& e : fs::directory_iterator(fs::path(info.torch_library).parent_path()))
    c10 = c10 || e.path().filename().string().rfind("libc10.so", 0) == 0;
  CHECK(c10);
  CHECK(info.torch_origin == "system" || info.torch_origin == "python" || info.torch_origin == "unpacked");
  const bool system_dir = info.torch_library.rfind("/usr/lib/", 0) == 0 || info.torch_library.rfind("/lib/", 0) == 0;
  CHECK((info.torch_origin == "system") == system_dir);
  // scripts/ci-torch2.sh names the libtorch it built against.
  if (const char* want = std::getenv("SER_TORCH_EXPECT_LIBTORCH"); want && *want) {
    CHECK(info.torch_library.rfind(fs::canonical(want).string(), 0) == 0);
    CHECK(info.torch_version.rfind("2.", 0) == 0);
  }
}
