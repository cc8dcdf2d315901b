// `preprocessor_config.json` of a Wav2Vec2FeatureExtractor: how raw audio is prepared.
#pragma once
#include <string>

namespace ser {

struct PreprocessorConfig {
  bool do_normalize = true;  // zero mean, unit variance per utterance
  int sampling_rate = 16000;
  bool return_attention_mask = false;
  double padding_value = 0.0;
};

// Fields the text leaves out keep `defaults` (Hugging Face's, unless the model differs).
PreprocessorConfig parse_preprocessor_config(const std::string& json_text, const std::string& source,
                                             const PreprocessorConfig& defaults = {});
// A missing file gives `defaults`.
PreprocessorConfig read_preprocessor_config(const std::string& path, const PreprocessorConfig& defaults = {});
std::string preprocessor_config_to_json(const PreprocessorConfig& config);

}  // namespace ser
