// libFuzzer: the safetensors reader (header validation, offsets against the file, data widening).
#include <cstdint>

#include "error.h"
#include "fuzz_input_file.h"
#include "io/safetensors.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const std::string path = ser_fuzz::input_file(data, size, ".safetensors");
  try {
    (void)ser::io::read_safetensors_names(path);
    (void)ser::io::read_safetensors(path);
  } catch (const ser::Error&) {
  }
  return 0;
}
