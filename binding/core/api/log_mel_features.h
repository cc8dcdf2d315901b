// CNN14's log-Mel front end as a feature extractor of its own (torch-free header, for the N-API
// layer): what the model sees, for users who want the features or to check them.
#pragma once
#include <cstdint>
#include <string>
#include <vector>

#include "api/ser_model.h"

namespace ser {

struct LogMelFeatures {
  int64_t frames = 0, n_mels = 0;
  std::vector<float> values;  // frames x n_mels, in dB
};

// `settings_json`: the log-Mel fields of a CNN14 config.json ({} = PANNs' 16 kHz settings), validated.
// Inputs are decoded / resampled to the settings' rate; each needs more than n_fft / 2 samples.
std::vector<LogMelFeatures> compute_log_mel(const std::vector<AudioInput>& inputs, const std::string& settings_json);

}  // namespace ser
