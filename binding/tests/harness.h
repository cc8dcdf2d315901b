// A minimal test harness for the plain C++ test executable (no Node, no gtest dependency).
#pragma once
#include <cmath>
#include <functional>
#include <sstream>
#include <stdexcept>
#include <string>
#include <vector>

// Before our macros: libtorch's logging header (glog) defines CHECK too, and must not redefine ours.
#include <c10/util/Logging.h>

namespace ser_test {

struct TestCase {
  std::string name;
  std::function<void()> body;
};

inline std::vector<TestCase>& registry() {
  static std::vector<TestCase> tests;
  return tests;
}

// Folder of committed fixtures, passed as argv[1] by ctest.
inline std::string& fixtures_dir() {
  static std::string dir;
  return dir;
}

struct Registrar {
  Registrar(const char* name, std::function<void()> body) { registry().push_back({name, std::move(body)}); }
};

struct Failure : std::runtime_error {
  using std::runtime_error::runtime_error;
};

inline bool contains(const std::string& text, const std::string& part) { return text.find(part) != std::string::npos; }

}  // namespace ser_test

using ser_test::contains;

#define SER_CONCAT2(a, b) a##b
#define SER_CONCAT(a, b) SER_CONCAT2(a, b)
// __COUNTER__, not __LINE__: the unity build puts several test files in one translation unit.
#define TEST_CASE(name) SER_TEST_CASE_WITH_ID(name, __COUNTER__)
#define SER_TEST_CASE_WITH_ID(name, id)                                                         \
  static void SER_CONCAT(ser_test_fn_, id)();                                                   \
  static ser_test::Registrar SER_CONCAT(ser_test_reg_, id)(name, SER_CONCAT(ser_test_fn_, id)); \
  static void SER_CONCAT(ser_test_fn_, id)()

// glog (through libtorch's headers) defines CHECK and CHECK_NEAR too: ours win in the tests.
#undef CHECK
#undef CHECK_NEAR
#define CHECK(cond)                                                      \
  do {                                                                   \
    if (!(cond)) {                                                       \
      std::ostringstream os_;                                            \
      os_ << __FILE__ << ":" << __LINE__ << ": CHECK(" #cond ") failed"; \
      throw ser_test::Failure(os_.str());                                \
    }                                                                    \
  } while (0)

#define CHECK_NEAR(a, b, tol)                                                                                      \
  do {                                                                                                             \
    double a_ = (a), b_ = (b);                                                                                     \
    if (!(std::fabs(a_ - b_) <= (tol))) {                                                                          \
      std::ostringstream os_;                                                                                      \
      os_ << __FILE__ << ":" << __LINE__ << ": " #a " = " << a_ << ", " #b " = " << b_ << ", tolerance " << (tol); \
      throw ser_test::Failure(os_.str());                                                                          \
    }                                                                                                              \
  } while (0)

// Runs `expr` and checks it throws ser::Error with the given code.
#define CHECK_THROWS_CODE(expr, code_)                                                                                 \
  do {                                                                                                                 \
    bool thrown_ = false;                                                                                              \
    try {                                                                                                              \
      (void)(expr);                                                                                                    \
    } catch (const ser::Error& e_) {                                                                                   \
      thrown_ = true;                                                                                                  \
      if (e_.code() != (code_)) {                                                                                      \
        std::ostringstream os_;                                                                                        \
        os_ << __FILE__ << ":" << __LINE__ << ": wrong code " << ser::error_code_name(e_.code()) << ": " << e_.what(); \
        throw ser_test::Failure(os_.str());                                                                            \
      }                                                                                                                \
    }                                                                                                                  \
    if (!thrown_)                                                                                                      \
      throw ser_test::Failure(std::string(__FILE__) + ":" + std::to_string(__LINE__) + ": no ser::Error from " #expr); \
  } while (0)
