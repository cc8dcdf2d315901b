// Runs every registered TEST_CASE; exit code 1 when any fails.
#include <cstdio>
#include <exception>

#include "harness.h"

int main(int argc, char** argv) {
  ser_test::fixtures_dir() = argc > 1 ? argv[1] : "test/fixtures";
  const char* filter = argc > 2 ? argv[2] : nullptr;
  int passed = 0, failed = 0;
  for (auto& t : ser_test::registry()) {
    if (filter && t.name.find(filter) == std::string::npos) continue;
    try {
      t.body();
      ++passed;
      std::printf("ok   %s\n", t.name.c_str());
    } catch (const std::exception& e) {
      ++failed;
      std::printf("FAIL %s\n     %s\n", t.name.c_str(), e.what());
    }
  }
  std::printf("%d passed, %d failed\n", passed, failed);
  return failed == 0 && passed > 0 ? 0 : 1;
}
