#include "models/feature_projection.h"

#include "models/global_batch.h"
#include "precision/ops.h"

namespace ser::models {

FeatureProjectionImpl::FeatureProjectionImpl(const ModelConfig& c) : dropout_(c.feat_proj_dropout) {
  const int64_t in = c.conv_dim.back();
  if (c.feat_proj_layer_norm)
    layer_norm =
        register_module("layer_norm", torch::nn::LayerNorm(torch::nn::LayerNormOptions({in}).eps(c.layer_norm_eps)));
  projection = register_module("projection", torch::nn::Linear(in, c.hidden_size));
}

torch::Tensor FeatureProjectionImpl::forward(const torch::Tensor& features) {
  auto x = layer_norm ? layer_norm(precision::to_float(features)) : features;
  return global_dropout(precision::linear(projection, x), dropout_, is_training());
}

}  // namespace ser::models
