#include "perturb/noise_clip.h"

#include <algorithm>

#include "audio/audio_file.h"
#include "error.h"

namespace ser::perturb {
namespace {

struct MonoClip {
  std::vector<float> samples;
  int rate = 0;
};

MonoClip decoded_sound(const std::string& path) {
  audio::DecodedAudio a = audio::decode_file(path);
  MonoClip clip{audio::downmix(a.samples, a.channels), a.sample_rate};
  if (std::all_of(clip.samples.begin(), clip.samples.end(), [](float v) { return v == 0.0f; }))
    throw Error(ErrorCode::Audio, path + ": the noise clip is silent (all samples are zero once mixed to mono)");
  return clip;
}

}  // namespace

std::vector<float> load_noise_clip(const std::string& path, double rate) {
  MonoClip clip = decoded_sound(path);
  if (clip.rate == rate) return std::move(clip.samples);
  auto out = audio::resample(clip.samples.data(), clip.samples.size(), clip.rate, rate);
  if (out.empty())
    throw Error(ErrorCode::Audio, path + ": the noise clip is too short to resample to " +
                                      std::to_string(static_cast<long long>(rate)) + " Hz");
  return out;
}

std::string noise_clip_problem(const std::string& path) {
  try {
    decoded_sound(path);
  } catch (const Error& e) {
    return e.what();
  }
  return "";
}

}  // namespace ser::perturb
