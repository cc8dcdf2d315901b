// CNN14 as in PANNs (Cnn14 / Cnn14_16k), with a regression layer for A/D/V: log-Mel -> bn0 over the
// Mel bins -> six conv blocks (2 x [3x3 conv, BN, ReLU], 2x2 average pooling after blocks 1-5,
// dropout 0.2) -> mean over frequency -> max + mean over time -> dropout 0.5 -> fc1 + ReLU
// (the embedding) -> fc_out. Parameter names are PANNs' (bn0, conv_block1.conv1.weight, ..., fc1).
#pragma once
#include <vector>

#include <torch/nn/modules/batchnorm.h>
#include <torch/nn/modules/conv.h>
#include <torch/nn/modules/linear.h>

#include "config/cnn14_settings.h"
#include "models/log_mel.h"
#include "models/ser_network.h"

namespace ser::models {

class Cnn14ConvBlockImpl : public torch::nn::Module {
 public:
  Cnn14ConvBlockImpl(int64_t in_channels, int64_t out_channels, bool pool);
  torch::Tensor forward(const torch::Tensor& x);

 private:
  torch::nn::Conv2d conv1{nullptr}, conv2{nullptr};
  torch::nn::BatchNorm2d bn1{nullptr}, bn2{nullptr};
  bool pool_;
};
TORCH_MODULE(Cnn14ConvBlock);

struct Cnn14Output {
  torch::Tensor features;   // (B, C6, T'): block 6 after the mean over frequency
  torch::Tensor pooled;     // (B, C6): max + mean over time
  torch::Tensor embedding;  // (B, C6): fc1 + ReLU, what fc_out reads
  torch::Tensor logits;     // (B, outputs)
};

class Cnn14Impl : public SerNetworkImpl {
 public:
  Cnn14Impl(const Cnn14Settings& settings, int64_t outputs);
  // waveforms (B, L) at the settings' sample rate, all of length L.
  Cnn14Output forward(const torch::Tensor& waveforms);
  // Everything after the front end: log_mel (B, T, n_mels) in dB.
  Cnn14Output forward_log_mel(const torch::Tensor& log_mel);
  // Padded batches: training runs the batch as it is (PANNs pads its clips too); inference runs
  // each length on its own, so an item's result never depends on what it was batched with.
  NetworkOutput run(const torch::Tensor& waveforms, const std::vector<int64_t>& lengths) override;
  bool has_head() const override { return true; }
  std::vector<std::string> float32_modules() const override { return {"fc1", "fc_out"}; }
  const Cnn14Settings& settings() const { return settings_; }

 private:
  NetworkOutput to_network_output(const Cnn14Output& out, const std::vector<int64_t>& lengths) const;

  Cnn14Settings settings_;
  LogMel log_mel_{nullptr};  // not registered: it holds no parameters
  torch::nn::BatchNorm2d bn0{nullptr};
  std::vector<Cnn14ConvBlock> blocks_;
  torch::nn::Linear fc1{nullptr}, fc_out{nullptr};
};
TORCH_MODULE(Cnn14);

}  // namespace ser::models
