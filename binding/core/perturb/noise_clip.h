// Noise recordings for the noise conditions: any format the audio decoder reads, downmixed and
// resampled to the rate of the speech they are mixed into.
#pragma once
#include <string>
#include <vector>

namespace ser::perturb {

// ser::Error(ErrorCode::Audio) naming the file when it cannot be decoded or is silent (all
// samples zero: no gain brings it to an SNR).
std::vector<float> load_noise_clip(const std::string& path, double rate);

// Why `path` cannot serve as a noise clip (the AudioError's message), or "" when it can.
std::string noise_clip_problem(const std::string& path);

}  // namespace ser::perturb
