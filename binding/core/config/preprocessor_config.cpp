#include "config/preprocessor_config.h"

#include <nlohmann/json.hpp>

#include "config/json_file.h"
#include "config/untrusted_json.h"
#include "error.h"

namespace ser {

PreprocessorConfig parse_preprocessor_config(const std::string& text, const std::string& src,
                                             const PreprocessorConfig& defaults) {
  nlohmann::json j = parse_untrusted_json(text, [&](const std::string& m) { fail_at(ErrorCode::Config, src, m); });
  if (!j.is_object()) throw Error(ErrorCode::Config, src + ": expected a JSON object");
  PreprocessorConfig c = defaults;
  auto type_error = [&](const char* key, const char* type) {
    throw Error(ErrorCode::Config, src + ": '" + key + "' must be " + type);
  };
  if (j.contains("do_normalize")) {
    if (!j["do_normalize"].is_boolean()) type_error("do_normalize", "true or false");
    c.do_normalize = j["do_normalize"].get<bool>();
  }
  if (j.contains("return_attention_mask")) {
    if (!j["return_attention_mask"].is_boolean()) type_error("return_attention_mask", "true or false");
    c.return_attention_mask = j["return_attention_mask"].get<bool>();
  }
  if (j.contains("sampling_rate")) {
    if (!j["sampling_rate"].is_number_integer()) type_error("sampling_rate", "an integer");
    c.sampling_rate = j["sampling_rate"].get<int>();
    if (c.sampling_rate < 1000 || c.sampling_rate > 384000)
      throw Error(ErrorCode::Config, src + ": 'sampling_rate' " + std::to_string(c.sampling_rate) + " is out of range");
  }
  if (j.contains("padding_value")) {
    if (!j["padding_value"].is_number()) type_error("padding_value", "a number");
    c.padding_value = j["padding_value"].get<double>();
  }
  if (j.contains("feature_size") && !(j["feature_size"].is_number_integer() && j["feature_size"].get<int>() == 1))
    throw Error(ErrorCode::Config, src + ": 'feature_size' must be 1 (raw mono waveform)");
  return c;
}

PreprocessorConfig read_preprocessor_config(const std::string& path, const PreprocessorConfig& defaults) {
  if (!file_exists(path)) return defaults;
  return parse_preprocessor_config(read_text_file(path, ErrorCode::Config), path, defaults);
}

std::string preprocessor_config_to_json(const PreprocessorConfig& c) {
  nlohmann::json j;
  j["do_normalize"] = c.do_normalize;
  j["feature_extractor_type"] = "Wav2Vec2FeatureExtractor";
  j["feature_size"] = 1;
  j["padding_side"] = "right";
  j["padding_value"] = c.padding_value;
  j["return_attention_mask"] = c.return_attention_mask;
  j["sampling_rate"] = c.sampling_rate;
  return j.dump(2);
}

}  // namespace ser
