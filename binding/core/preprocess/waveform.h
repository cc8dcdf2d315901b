// Turning user audio into model input: checks (empty, NaN, too short), resampling to the model's
// rate, and Wav2Vec2FeatureExtractor's do_normalize (zero mean, unit population variance).
#pragma once
#include <cstdint>
#include <string>
#include <vector>

#include "config/model_config.h"
#include "config/preprocessor_config.h"

namespace ser::preprocess {

// Zero mean and unit variance over the utterance: (x - mean) / sqrt(var + 1e-7), population
// variance in double precision, as Hugging Face's feature extractor computes it.
void normalise_in_place(std::vector<float>& samples);

// Validates `samples` at `sample_rate` (a real rate, not empty, no NaN) and resamples them to
// `target_rate`. `what` names the input in errors. ser::Error(ERR_INPUT) on bad input.
std::vector<float> checked_resampled(std::vector<float> samples, double sample_rate, int target_rate,
                                     const std::string& what);

// checked_resampled to the model rate, then the model's minimum length and do_normalize.
// `what` names the input in errors ("input 3", a path). ser::Error(ERR_INPUT) on bad input.
std::vector<float> prepare_waveform(std::vector<float> samples, double sample_rate, const ModelConfig& model,
                                    const PreprocessorConfig& pre, const std::string& what);

}  // namespace ser::preprocess
