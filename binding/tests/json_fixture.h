// Reading a fixture's JSON (expected.json and the like) in the C++ tests.
#pragma once
#include <filesystem>
#include <fstream>

#include <nlohmann/json.hpp>

namespace ser_test {

inline nlohmann::json read_json(const std::filesystem::path& p) {
  std::ifstream in(p);
  return nlohmann::json::parse(in);
}

}  // namespace ser_test
