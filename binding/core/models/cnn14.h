// CNN14 as in PANNs (Cnn14 / Cnn14_16k), with a 3-output regression layer: log-Mel -> bn0 over the
// Mel bins -> six conv blocks (2 x [3x3 conv, BN, ReLU], 2x2 average pooling after blocks 1-5,
// dropout 0.2) -> mean over frequency -> max + mean over time -> dropout 0.5 -> fc1 + ReLU
// (the embedding) -> fc_out. Parameter names are PANNs' (bn0, conv_block1.conv1.weight, ..., fc1).
#pragma once
#include <string>
#include <vector>

#include <torch/nn/module.h>
#include <torch/nn/modules/batchnorm.h>
#include <torch/nn/modules/conv.h>
#include <torch/nn/modules/linear.h>

#include "models/log_mel.h"

namespace ser::models {

struct Cnn14Config {
  LogMelOptions log_mel;
  std::vector<int64_t> channels{64, 128, 256, 512, 1024, 2048};
  std::vector<std::string> labels{"arousal", "dominance", "valence"};
  // Five 2x2 poolings need 32 frames: (32 - 1) * hop samples.
  int64_t min_samples() const { return 31 * log_mel.hop_length; }
};

Cnn14Config parse_cnn14_config(const std::string& json_text, const std::string& source);

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
  torch::Tensor embedding;  // (B, C6): fc1 + ReLU
  torch::Tensor logits;     // (B, outputs)
};

class Cnn14Impl : public torch::nn::Module {
 public:
  explicit Cnn14Impl(const Cnn14Config& config);
  Cnn14Output forward(const torch::Tensor& waveforms);  // (B, L) at the config's sample rate

 private:
  LogMel log_mel_{nullptr};  // not registered: it holds no parameters
  torch::nn::BatchNorm2d bn0{nullptr};
  std::vector<Cnn14ConvBlock> blocks_;
  torch::nn::Linear fc1{nullptr}, fc_out{nullptr};
};
TORCH_MODULE(Cnn14);

}  // namespace ser::models
