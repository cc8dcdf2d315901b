#include "api/log_mel_features.h"

#include <ATen/ATen.h>
#include <c10/core/InferenceMode.h>

#include "api/torch_errors.h"
#include "audio/audio_file.h"
#include "config/model_config.h"
#include "error.h"
#include "models/log_mel.h"
#include "preprocess/waveform.h"
#include "runtime/threads.h"

namespace ser {

std::vector<LogMelFeatures> compute_log_mel(const std::vector<AudioInput>& inputs, const std::string& settings_json) {
  return with_torch_errors([&] {
    LogMelSettings s;
    try {
      s = parse_log_mel_settings(settings_json, "log-Mel options");
    } catch (const Error& e) {
      throw Error(ErrorCode::Input, e.what());  // the caller's options, not a model's config
    }
    const int rate = static_cast<int>(s.sample_rate);
    runtime::apply_threads();
    c10::InferenceMode guard;
    models::LogMel log_mel(s);
    std::vector<LogMelFeatures> out(inputs.size());
    for (size_t i = 0; i < inputs.size(); ++i) {
      const AudioInput& in = inputs[i];
      const std::string what = in.path.empty() ? "input " + std::to_string(i) : in.path;
      std::vector<float> wave = in.path.empty() ? in.samples : audio::load_mono(in.path, rate);
      wave = preprocess::checked_resampled(std::move(wave), in.path.empty() ? in.sample_rate : rate, rate, what);
      if (static_cast<int64_t>(wave.size()) <= s.n_fft / 2)
        throw Error(ErrorCode::Input, what + ": audio is too short for the log-Mel: " + std::to_string(wave.size()) +
                                          " samples, it needs more than " + std::to_string(s.n_fft / 2));
      auto x = at::from_blob(wave.data(), {1, static_cast<int64_t>(wave.size())}, at::kFloat);
      auto mel = log_mel(x)[0].contiguous();
      out[i].frames = mel.size(0);
      out[i].n_mels = mel.size(1);
      out[i].values.assign(mel.data_ptr<float>(), mel.data_ptr<float>() + mel.numel());
    }
    return out;
  });
}

}  // namespace ser
