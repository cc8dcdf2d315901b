// What config.json says about a CNN14 (model_type "cnn14"): PANNs' Cnn14_16k front end and block
// widths. Kept apart from the wav2vec2 fields so that each model reads only its own.
#pragma once
#include <cstdint>
#include <vector>

namespace ser {

// PANNs' 16 kHz log-Mel: 32 ms window, 10 ms hop, 64 Mel bins from 50 Hz to 8 kHz.
struct LogMelSettings {
  int64_t sample_rate = 16000, n_fft = 512, hop_length = 160, n_mels = 64;
  double f_min = 50, f_max = 8000;
};

struct Cnn14Settings {
  LogMelSettings log_mel;
  std::vector<int64_t> channels{64, 128, 256, 512, 1024, 2048};  // the six conv blocks
  // Five 2x2 poolings need 32 log-Mel frames, (32 - 1) * hop samples, and the centred STFT's
  // reflect padding needs more than n_fft / 2.
  int64_t min_samples() const {
    return 31 * log_mel.hop_length > log_mel.n_fft / 2 ? 31 * log_mel.hop_length : log_mel.n_fft / 2 + 1;
  }
  // Time steps left after the five poolings (each halves, rounding down).
  int64_t frames_for(int64_t samples) const { return (1 + samples / log_mel.hop_length) >> 5; }
};

}  // namespace ser
