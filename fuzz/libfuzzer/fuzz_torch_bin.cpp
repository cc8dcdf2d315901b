// libFuzzer: torch.save archives, zip (zip index, records, pickle) and legacy (magic, pickles,
// raw storages), through the reader loadModel uses for pytorch_model.bin.
#include <cstdint>

#include "error.h"
#include "fuzz_input_file.h"
#include "io/torch_bin.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const std::string path = ser_fuzz::input_file(data, size, ".bin");
  try {
    (void)ser::io::read_torch_bin(path);
  } catch (const ser::Error&) {
  }
  return 0;
}
