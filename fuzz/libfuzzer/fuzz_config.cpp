// libFuzzer: config.json and preprocessor_config.json parsing. Any ser::Error is a clean refusal;
// anything else (another exception, a crash, a sanitizer report) is a finding.
#include <cstdint>
#include <string>

#include "config/model_config.h"
#include "config/preprocessor_config.h"
#include "error.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const std::string text(reinterpret_cast<const char*>(data), size);
  try {
    (void)ser::parse_model_config(text, "config.json");
  } catch (const ser::Error&) {
  }
  try {
    (void)ser::parse_preprocessor_config(text, "preprocessor_config.json", {});
  } catch (const ser::Error&) {
  }
  return 0;
}
