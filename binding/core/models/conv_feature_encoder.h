// The CNN feature encoder (HF Wav2Vec2FeatureEncoder): raw samples -> 512-dim frames every 20 ms.
#pragma once
#include <torch/nn/module.h>
#include <torch/nn/modules/container/modulelist.h>
#include <torch/nn/modules/conv.h>
#include <torch/nn/modules/normalization.h>

#include "config/model_config.h"
#include "models/activation.h"

namespace ser::models {

// One conv layer: Conv1d, then GroupNorm (layer 0 of "group" models), LayerNorm over channels
// ("layer" models) or nothing, then the activation. The norm is registered as "layer_norm" in
// both cases, as Hugging Face names it.
class ConvLayerBlockImpl : public torch::nn::Module {
 public:
  enum class Norm { None, Group, Layer };
  ConvLayerBlockImpl(int64_t in_ch, int64_t out_ch, int64_t kernel, int64_t stride, bool bias, Norm norm,
                     Activation act);
  torch::Tensor forward(const torch::Tensor& x);  // (B, C_in, L) -> (B, C_out, L')

 private:
  torch::nn::Conv1d conv{nullptr};
  torch::nn::GroupNorm group_norm{nullptr};
  torch::nn::LayerNorm layer_norm{nullptr};
  Activation act_;
};
TORCH_MODULE(ConvLayerBlock);

class ConvFeatureEncoderImpl : public torch::nn::Module {
 public:
  explicit ConvFeatureEncoderImpl(const ModelConfig& config);
  torch::Tensor forward(const torch::Tensor& waveforms);  // (B, L) -> (B, T, C)

 private:
  torch::nn::ModuleList conv_layers;
};
TORCH_MODULE(ConvFeatureEncoder);

}  // namespace ser::models
