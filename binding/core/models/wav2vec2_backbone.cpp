#include "models/wav2vec2_backbone.h"

#include <algorithm>
#include <map>
#include <memory>

#include <ATen/ATen.h>
#include <torch/csrc/autograd/grad_mode.h>

#include "models/global_batch.h"
#include "models/spec_augment.h"
#include "precision/ops.h"

namespace ser::models {

Wav2Vec2BackboneImpl::Wav2Vec2BackboneImpl(const ModelConfig& c) : config_(c) {
  feature_extractor = register_module("feature_extractor", ConvFeatureEncoder(c));
  feature_projection = register_module("feature_projection", FeatureProjection(c));
  encoder = register_module("encoder", TransformerEncoder(c));
  // HF creates it exactly when masking is configured (and then checkpoints carry it).
  if (c.mask_time_prob > 0 || c.mask_feature_prob > 0)
    masked_spec_embed = register_parameter("masked_spec_embed", torch::empty({c.hidden_size}).uniform_());
}

void Wav2Vec2BackboneImpl::freeze_feature_encoder(bool frozen) {
  frozen_encoder_ = frozen;
  for (auto& p : feature_extractor->parameters()) p.set_requires_grad(!frozen);
}

torch::Tensor Wav2Vec2BackboneImpl::mask_hidden_states(torch::Tensor hidden, const std::vector<int64_t>& frames) {
  const auto& c = config_;
  if (!is_training() || !c.apply_spec_augment) return hidden;
  const int64_t B = hidden.size(0), T = hidden.size(1), H = hidden.size(2);
  // A data-parallel rank draws the whole batch's masks (the same draws as one process) and keeps its rows.
  const GlobalBatch* global = global_batch_in_scope();
  const int64_t rows = global ? global->size : B;
  auto mine = [&](const torch::Tensor& mask) { return global ? mask.index_select(0, global->rows) : mask; };
  if (c.mask_time_prob > 0 && masked_spec_embed.defined()) {
    std::vector<int64_t> all_frames;
    if (global)
      for (int64_t n : global->lengths) all_frames.push_back(config_.frames_for(n));
    auto mask = mine(compute_span_mask(rows, T, global ? all_frames : frames, c.mask_time_prob, c.mask_time_length,
                                       c.mask_time_min_masks))
                    .to(hidden.device())
                    .unsqueeze(-1);
    hidden = at::where(mask, masked_spec_embed.to(hidden.dtype()).view({1, 1, H}), hidden);
  }
  if (c.mask_feature_prob > 0) {
    auto mask = mine(compute_span_mask(rows, H, std::vector<int64_t>(rows, H), c.mask_feature_prob,
                                       c.mask_feature_length, c.mask_feature_min_masks))
                    .to(hidden.device())
                    .unsqueeze(1);
    hidden = hidden.masked_fill(mask, 0);
  }
  return hidden;
}

torch::Tensor Wav2Vec2BackboneImpl::extract_features(const torch::Tensor& waveforms,
                                                     const std::vector<int64_t>& lengths,
                                                     const std::vector<int64_t>& frames) {
  const int64_t B = waveforms.size(0);
  const int64_t max_len = *std::max_element(lengths.begin(), lengths.end());
  const bool padded = std::any_of(lengths.begin(), lengths.end(), [&](int64_t n) { return n != max_len; });
  // Layer-norm stacks normalise each frame alone, and a valid frame's receptive field holds only
  // valid samples: the padded batch is exact. Group norm pools statistics over the whole time
  // axis, padding included (HF's outputs move with padding), so items of equal length run together.
  // A frozen encoder runs without autograd: no graph, no activations kept for backward.
  std::unique_ptr<torch::NoGradGuard> no_grad;
  if (frozen_encoder_) no_grad = std::make_unique<torch::NoGradGuard>();
  // A CNN being trained computes in float32 under any precision: the trainer turns oneDNN off
  // for it (its weight gradients were wrong in libtorch 1.13), and ATen's own bf16 convolutions
  // ran a step ~15x slower than float32. Frozen or in inference, it runs in the plan's dtype.
  std::unique_ptr<precision::Scope> float32;
  if (!frozen_encoder_ && is_training()) float32 = std::make_unique<precision::Scope>(precision::Plan{}, nullptr);
  if (!padded || config_.feat_extract_norm == "layer") return feature_extractor(waveforms.narrow(1, 0, max_len));

  const int64_t max_frames = *std::max_element(frames.begin(), frames.end());
  std::map<int64_t, std::vector<int64_t>> by_length;
  for (int64_t b = 0; b < B; ++b) by_length[lengths[b]].push_back(b);
  // Out of place (pad + cat + one gather): in-place index_copy_ into a view gave non-finite
  // gradients in libtorch 1.13's backward.
  std::vector<at::Tensor> parts;
  std::vector<int64_t> order;
  for (auto& [len, items] : by_length) {
    auto index = at::tensor(items, at::TensorOptions().dtype(at::kLong)).to(waveforms.device());
    auto feats = feature_extractor(waveforms.index_select(0, index).narrow(1, 0, len).contiguous());
    parts.push_back(at::constant_pad_nd(feats, {0, 0, 0, max_frames - feats.size(1)}));
    order.insert(order.end(), items.begin(), items.end());
  }
  std::vector<int64_t> inverse(B);
  for (int64_t k = 0; k < B; ++k) inverse[order[k]] = k;
  return at::cat(parts, 0).index_select(
      0, at::tensor(inverse, at::TensorOptions().dtype(at::kLong)).to(waveforms.device()));
}

BackboneOutput Wav2Vec2BackboneImpl::forward(const torch::Tensor& waveforms, const std::vector<int64_t>& lengths) {
  BackboneOutput out;
  for (int64_t n : lengths) out.frames.push_back(config_.frames_for(n));
  auto features = extract_features(waveforms, lengths, out.frames);
  // A data-parallel rank in training pads its frames to the whole batch's longest, as one process
  // has them: dropout and SpecAugment masks then have one process's shapes (global_batch.h).
  if (const GlobalBatch* global = is_training() ? global_batch_in_scope() : nullptr) {
    int64_t longest = 0;
    for (int64_t n : global->lengths) longest = std::max(longest, config_.frames_for(n));
    if (longest > features.size(1)) features = at::constant_pad_nd(features, {0, 0, 0, longest - features.size(1)});
  }
  const int64_t T = features.size(1);
  const bool padded = std::any_of(out.frames.begin(), out.frames.end(), [&](int64_t f) { return f != T; });
  if (padded) {
    auto frames = at::tensor(out.frames, at::TensorOptions().dtype(at::kLong)).to(waveforms.device());
    out.frame_mask = at::arange(T, frames.options()).unsqueeze(0) < frames.unsqueeze(1);
  }
  out.hidden = encoder(mask_hidden_states(feature_projection(features), out.frames), out.frame_mask);
  return out;
}

}  // namespace ser::models
