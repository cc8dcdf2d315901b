// libFuzzer: CSV / JSONL manifests. The first input byte picks the format (the reader goes by the
// file's extension); audio paths rarely exist, so most rows end in a clean "no such file".
#include <cstdint>

#include "error.h"
#include "fuzz_input_file.h"
#include "train/manifest.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  if (size == 0) return 0;
  const bool jsonl = (data[0] & 1) != 0;
  const std::string path = ser_fuzz::input_file(data + 1, size - 1, jsonl ? ".jsonl" : ".csv");
  try {
    ser::train::ManifestRules rules;
    rules.require_labels = (data[0] & 2) != 0;
    (void)ser::train::read_manifest(path, ser::train::LabelRange{}, rules);
  } catch (const ser::Error&) {
  }
  return 0;
}
