#include "models/log_mel.h"

#include <cmath>
#include <vector>

#include <ATen/ATen.h>

namespace ser::models {
namespace {

// Slaney's Auditory Toolbox scale (librosa's default): linear below 1 kHz, logarithmic above.
constexpr double kFSp = 200.0 / 3, kMinLogHz = 1000.0, kMinLogMel = kMinLogHz / kFSp;
const double kLogStep = std::log(6.4) / 27.0;

double hz_to_mel(double hz) { return hz < kMinLogHz ? hz / kFSp : kMinLogMel + std::log(hz / kMinLogHz) / kLogStep; }
double mel_to_hz(double mel) {
  return mel < kMinLogMel ? mel * kFSp : kMinLogHz * std::exp(kLogStep * (mel - kMinLogMel));
}

}  // namespace

torch::Tensor slaney_mel_filters(const LogMelOptions& o) {
  const int64_t bins = o.n_fft / 2 + 1;
  std::vector<double> hz(o.n_mels + 2);
  const double lo = hz_to_mel(o.f_min), hi = hz_to_mel(o.f_max);
  for (int64_t i = 0; i < o.n_mels + 2; ++i) hz[i] = mel_to_hz(lo + (hi - lo) * i / (o.n_mels + 1));
  auto w = at::zeros({bins, o.n_mels}, at::kDouble);
  auto acc = w.accessor<double, 2>();
  for (int64_t m = 0; m < o.n_mels; ++m) {
    const double norm = 2.0 / (hz[m + 2] - hz[m]);  // Slaney: equal area per filter
    for (int64_t k = 0; k < bins; ++k) {
      const double f = static_cast<double>(k) * o.sample_rate / o.n_fft;
      const double rising = (f - hz[m]) / (hz[m + 1] - hz[m]);
      const double falling = (hz[m + 2] - f) / (hz[m + 2] - hz[m + 1]);
      acc[k][m] = std::max(0.0, std::min(rising, falling)) * norm;
    }
  }
  return w.to(at::kFloat);
}

LogMelImpl::LogMelImpl(const LogMelOptions& o) : options_(o) {
  window_ = at::hann_window(o.n_fft, /*periodic=*/true, at::kFloat);
  filters_ = slaney_mel_filters(o);
}

torch::Tensor LogMelImpl::forward(const torch::Tensor& waveforms) {
  if (window_.device() != waveforms.device()) {
    window_ = window_.to(waveforms.device());
    filters_ = filters_.to(waveforms.device());
  }
  auto spec = at::stft(waveforms, options_.n_fft, options_.hop_length, options_.n_fft, window_, /*center=*/true,
                       "reflect", /*normalized=*/false, /*onesided=*/true, /*return_complex=*/true);
  auto power = at::real(spec * at::conj(spec));            // (B, bins, T)
  auto mel = at::matmul(power.transpose(1, 2), filters_);  // (B, T, n_mels)
  return 10.0 * at::log10(at::clamp_min(mel, 1e-10));
}

}  // namespace ser::models
