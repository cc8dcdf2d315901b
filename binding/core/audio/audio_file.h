// Audio files to 16 kHz mono float: decoded by libsndfile (WAV, FLAC, OGG/Vorbis, MP3, ...),
// downmixed by averaging channels, resampled with libsoxr (very high quality).
#pragma once
#include <cstddef>
#include <string>
#include <vector>

namespace ser::audio {

struct DecodedAudio {
  std::vector<float> samples;  // interleaved when channels > 1
  int sample_rate = 0;
  int channels = 0;
};

// Decodes a whole file. ser::Error(ErrorCode::Audio) naming the path for missing, unreadable,
// corrupt or empty files, or samples that are not finite.
DecodedAudio decode_file(const std::string& path);

// Averages interleaved channels into one.
std::vector<float> downmix(const std::vector<float>& interleaved, int channels);

// Resamples a mono signal; returns a copy when the rates are equal.
std::vector<float> resample(const float* samples, std::size_t count, double from_rate, double to_rate);

// decode_file + downmix + resample to `target_rate`.
std::vector<float> load_mono(const std::string& path, int target_rate);

}  // namespace ser::audio
