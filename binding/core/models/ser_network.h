// What every model the package runs offers the inference and training code: waveforms in,
// frame features, an utterance embedding and (with a head) the A/D/V outputs out. wav2vec2/HuBERT
// (EmotionModel) and CNN14 implement it; nothing outside models/ needs to know which it has.
#pragma once
#include <memory>
#include <string>
#include <vector>

#include <torch/nn/module.h>

namespace ser::models {

struct NetworkOutput {
  torch::Tensor hidden;         // (B, T, H) frame features; past an item's frames: padding
  std::vector<int64_t> frames;  // valid frames of each item
  torch::Tensor pooled;         // (B, H) the utterance embedding the head reads
  torch::Tensor logits;         // (B, outputs); undefined without a head
};

class SerNetworkImpl : public torch::nn::Module {
 public:
  // waveforms (B, L) zero-padded past lengths[b].
  virtual NetworkOutput run(const torch::Tensor& waveforms, const std::vector<int64_t>& lengths) = 0;
  virtual bool has_head() const = 0;
  // wav2vec2's conv feature encoder: frozen (the paper's default) or trained. Others: no-op.
  virtual void freeze_feature_encoder(bool) {}
  // Modules that stay float32 in every precision: the head reads float32 pooled features.
  virtual std::vector<std::string> float32_modules() const = 0;
};

using SerNetwork = std::shared_ptr<SerNetworkImpl>;

}  // namespace ser::models
