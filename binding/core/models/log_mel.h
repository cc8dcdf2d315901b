// PANNs' 16 kHz log-Mel front end (torchlibrosa Spectrogram + LogmelFilterBank as Cnn14_16k uses
// them): periodic Hann STFT, centred with reflect padding, power spectrum, librosa's Slaney-scale,
// Slaney-normalised Mel filters, then 10 log10(max(x, 1e-10)) with ref 1.0 and no top-dB clip.
#pragma once
#include <torch/nn/module.h>

#include "config/cnn14_settings.h"

namespace ser::models {

using LogMelOptions = LogMelSettings;

// librosa.filters.mel(sr, n_fft, n_mels, fmin, fmax) with htk=False, norm='slaney': (n_fft/2+1, n_mels).
torch::Tensor slaney_mel_filters(const LogMelOptions& o);

class LogMelImpl : public torch::nn::Module {
 public:
  explicit LogMelImpl(const LogMelOptions& options);
  torch::Tensor forward(const torch::Tensor& waveforms);  // (B, L) -> (B, 1 + L / hop, n_mels)
  int64_t frames_for(int64_t samples) const { return 1 + samples / options_.hop_length; }

 private:
  LogMelOptions options_;
  // Derived constants, not buffers: they are never trained, stored or loaded (PANNs' own copies
  // in a checkpoint are skipped on purpose).
  torch::Tensor window_, filters_;
};
TORCH_MODULE(LogMel);

}  // namespace ser::models
