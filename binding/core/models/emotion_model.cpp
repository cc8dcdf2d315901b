#include "models/emotion_model.h"

#include <ATen/ATen.h>

#include "precision/ops.h"

namespace ser::models {

torch::Tensor masked_mean(const torch::Tensor& hidden, const BackboneOutput& out) {
  if (!out.frame_mask.defined()) return hidden.mean(1);
  auto mask = out.frame_mask.unsqueeze(-1).to(hidden.dtype());
  return (hidden * mask).sum(1) / mask.sum(1);
}

EmotionModelImpl::EmotionModelImpl(const ModelConfig& c, bool with_head) {
  backbone = register_module(c.model_type, Wav2Vec2Backbone(c));
  if (with_head) {
    const int64_t n = c.labels.empty() ? 3 : static_cast<int64_t>(c.labels.size());
    classifier = register_module("classifier", RegressionHead(c.hidden_size, n, c.final_dropout));
  }
}

ModelOutput EmotionModelImpl::forward(const torch::Tensor& waveforms, const std::vector<int64_t>& lengths) {
  ModelOutput out;
  out.backbone = backbone(waveforms, lengths);
  out.backbone.hidden = precision::to_float(out.backbone.hidden);  // pooling and the head: float32
  out.pooled = masked_mean(out.backbone.hidden, out.backbone);
  if (has_head()) out.logits = classifier(out.pooled);
  return out;
}

NetworkOutput EmotionModelImpl::run(const torch::Tensor& waveforms, const std::vector<int64_t>& lengths) {
  auto out = forward(waveforms, lengths);
  return {out.backbone.hidden, out.backbone.frames, out.pooled, out.logits};
}

}  // namespace ser::models
