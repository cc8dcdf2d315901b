// A fresh folder under /tmp for one test, removed with everything in it when the test ends (passed
// or failed), so that tests never see each other's files.
#pragma once
#include <stdlib.h>  // mkdtemp

#include <filesystem>
#include <stdexcept>
#include <string>
#include <system_error>

namespace ser_test {

struct TempDir {
  std::string path;

  explicit TempDir(const std::string& prefix = "ser-test") {
    std::string tmpl = "/tmp/" + prefix + "-XXXXXX";
    if (!::mkdtemp(tmpl.data())) throw std::runtime_error("mkdtemp failed for " + tmpl);
    path = tmpl;
  }
  ~TempDir() {
    std::error_code ec;  // best effort: a leftover folder must not fail the test
    std::filesystem::remove_all(path, ec);
  }
  TempDir(const TempDir&) = delete;
  TempDir& operator=(const TempDir&) = delete;

  std::string file(const std::string& name) const { return path + "/" + name; }
};

}  // namespace ser_test
