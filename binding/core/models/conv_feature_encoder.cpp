#include "models/conv_feature_encoder.h"

#include "precision/ops.h"

namespace ser::models {

ConvLayerBlockImpl::ConvLayerBlockImpl(int64_t in_ch, int64_t out_ch, int64_t kernel, int64_t stride, bool bias,
                                       Norm norm, Activation act)
    : act_(act) {
  conv = register_module("conv",
                         torch::nn::Conv1d(torch::nn::Conv1dOptions(in_ch, out_ch, kernel).stride(stride).bias(bias)));
  // PyTorch's default eps (1e-5) here, not config.layer_norm_eps: that is what HF does.
  if (norm == Norm::Group)
    group_norm =
        register_module("layer_norm", torch::nn::GroupNorm(torch::nn::GroupNormOptions(out_ch, out_ch).affine(true)));
  else if (norm == Norm::Layer)
    layer_norm = register_module("layer_norm", torch::nn::LayerNorm(torch::nn::LayerNormOptions({out_ch})));
}

torch::Tensor ConvLayerBlockImpl::forward(const torch::Tensor& input) {
  auto x = precision::conv1d(conv, input);
  // Norms in float32 (their statistics lose too much in bf16); the next conv casts back.
  if (group_norm) x = group_norm(precision::to_float(x));
  if (layer_norm) x = layer_norm(precision::to_float(x).transpose(1, 2)).transpose(1, 2);
  return activate(act_, x);
}

ConvFeatureEncoderImpl::ConvFeatureEncoderImpl(const ModelConfig& c) {
  conv_layers = register_module("conv_layers", torch::nn::ModuleList());
  const auto act = parse_activation(c.feat_extract_activation);
  int64_t in_ch = 1;
  for (size_t i = 0; i < c.conv_dim.size(); ++i) {
    using Norm = ConvLayerBlockImpl::Norm;
    Norm norm = c.feat_extract_norm == "layer" ? Norm::Layer : (i == 0 ? Norm::Group : Norm::None);
    conv_layers->push_back(
        ConvLayerBlock(in_ch, c.conv_dim[i], c.conv_kernel[i], c.conv_stride[i], c.conv_bias, norm, act));
    in_ch = c.conv_dim[i];
  }
}

torch::Tensor ConvFeatureEncoderImpl::forward(const torch::Tensor& waveforms) {
  auto x = waveforms.unsqueeze(1);
  for (auto& layer : *conv_layers) x = layer->as<ConvLayerBlock>()->forward(x);
  return x.transpose(1, 2);
}

}  // namespace ser::models
