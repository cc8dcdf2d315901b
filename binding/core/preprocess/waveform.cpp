#include "preprocess/waveform.h"

#include <cmath>

#include "audio/audio_file.h"
#include "error.h"

namespace ser::preprocess {

void normalise_in_place(std::vector<float>& x) {
  if (x.empty()) return;
  double sum = 0;
  for (float v : x) sum += v;
  const double mean = sum / static_cast<double>(x.size());
  double sq = 0;
  for (float v : x) sq += (v - mean) * (v - mean);
  const double scale = 1.0 / std::sqrt(sq / static_cast<double>(x.size()) + 1e-7);
  for (float& v : x) v = static_cast<float>((v - mean) * scale);
}

std::vector<float> checked_resampled(std::vector<float> samples, double sample_rate, int target_rate,
                                     const std::string& what) {
  if (!(sample_rate >= 1000 && sample_rate <= 384000))
    throw Error(ErrorCode::Input, what + ": sampleRate " + std::to_string(static_cast<long long>(sample_rate)) +
                                      " is not a valid rate (1000..384000 Hz)");
  if (samples.empty()) throw Error(ErrorCode::Input, what + ": audio is empty");
  for (size_t i = 0; i < samples.size(); ++i)
    if (!std::isfinite(samples[i]))
      throw Error(ErrorCode::Input, what + ": sample " + std::to_string(i) + " is NaN or infinite");
  if (sample_rate != target_rate) samples = audio::resample(samples.data(), samples.size(), sample_rate, target_rate);
  return samples;
}

std::vector<float> prepare_waveform(std::vector<float> samples, double sample_rate, const ModelConfig& model,
                                    const PreprocessorConfig& pre, const std::string& what) {
  samples = checked_resampled(std::move(samples), sample_rate, pre.sampling_rate, what);
  const int64_t need = model.min_samples();
  if (static_cast<int64_t>(samples.size()) < need)
    throw Error(ErrorCode::Input, what + ": audio is too short: " + std::to_string(samples.size()) + " samples at " +
                                      std::to_string(pre.sampling_rate) + " Hz, the model needs at least " +
                                      std::to_string(need) + " (" + std::to_string(1000 * need / pre.sampling_rate) +
                                      " ms)");
  if (pre.do_normalize) normalise_in_place(samples);
  return samples;
}

}  // namespace ser::preprocess
