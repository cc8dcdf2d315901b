#include "models/cnn14.h"

#include <map>

#include <ATen/ATen.h>
#include <torch/nn/init.h>

#include "models/global_batch.h"
#include "precision/ops.h"

namespace ser::models {
namespace {

// PANNs' init_layer / init_bn: Xavier-uniform weights, zero biases, BatchNorm scale 1 shift 0.
void init_like_panns(torch::nn::Module& m) {
  torch::NoGradGuard no_grad;
  for (auto& p : m.named_parameters()) {
    const auto& name = p.key();
    auto& t = p.value();
    const bool is_bn = name.find("bn") != std::string::npos;
    if (name.size() >= 6 && name.compare(name.size() - 6, 6, "weight") == 0) {
      if (is_bn) t.fill_(1);
      else torch::nn::init::xavier_uniform_(t);
    } else {
      t.zero_();
    }
  }
}

}  // namespace

Cnn14ConvBlockImpl::Cnn14ConvBlockImpl(int64_t in_channels, int64_t out_channels, bool pool) : pool_(pool) {
  auto conv = [](int64_t i, int64_t o) { return torch::nn::Conv2dOptions(i, o, 3).stride(1).padding(1).bias(false); };
  conv1 = register_module("conv1", torch::nn::Conv2d(conv(in_channels, out_channels)));
  conv2 = register_module("conv2", torch::nn::Conv2d(conv(out_channels, out_channels)));
  bn1 = register_module("bn1", torch::nn::BatchNorm2d(out_channels));
  bn2 = register_module("bn2", torch::nn::BatchNorm2d(out_channels));
}

torch::Tensor Cnn14ConvBlockImpl::forward(const torch::Tensor& input) {
  // Convolutions in the compute dtype, BatchNorm in float32 (its statistics need it).
  auto x = global_batch_norm(bn1, precision::to_float(precision::conv2d(conv1, input)));
  x.relu_();
  x = global_batch_norm(bn2, precision::to_float(precision::conv2d(conv2, x)));
  x.relu_();
  return pool_ ? at::avg_pool2d(x, {2, 2}) : x;
}

Cnn14Impl::Cnn14Impl(const Cnn14Settings& s, int64_t outputs) : settings_(s) {
  log_mel_ = LogMel(s.log_mel);
  bn0 = register_module("bn0", torch::nn::BatchNorm2d(s.log_mel.n_mels));
  int64_t in = 1;
  for (size_t i = 0; i < s.channels.size(); ++i) {
    blocks_.push_back(register_module("conv_block" + std::to_string(i + 1),
                                      Cnn14ConvBlock(in, s.channels[i], i + 1 < s.channels.size())));
    in = s.channels[i];
  }
  fc1 = register_module("fc1", torch::nn::Linear(in, in));
  fc_out = register_module("fc_out", torch::nn::Linear(in, outputs));
  init_like_panns(*this);
}

Cnn14Output Cnn14Impl::forward(const torch::Tensor& waveforms) { return forward_log_mel(log_mel_(waveforms)); }

Cnn14Output Cnn14Impl::forward_log_mel(const torch::Tensor& log_mel) {
  auto x = log_mel.unsqueeze(1);                                  // (B, 1, T, mels)
  x = global_batch_norm(bn0, x.transpose(1, 3)).transpose(1, 3);  // BatchNorm over the Mel bins
  // global_batch_norm / global_dropout: data-parallel ranks compute as one process would (global_batch.h).
  for (auto& block : blocks_) x = global_dropout(block(x), 0.2, is_training());
  Cnn14Output out;
  out.features = x.mean(3);  // (B, C, T')
  out.pooled = std::get<0>(out.features.max(2)) + out.features.mean(2);
  out.embedding = at::relu(fc1(global_dropout(out.pooled, 0.5, is_training())));
  out.logits = fc_out(out.embedding);  // PANNs: the head reads fc1 before the embedding's dropout
  return out;
}

NetworkOutput Cnn14Impl::to_network_output(const Cnn14Output& out, const std::vector<int64_t>& lengths) const {
  NetworkOutput r{out.features.transpose(1, 2), {}, out.embedding, out.logits};
  for (auto len : lengths) r.frames.push_back(settings_.frames_for(len));
  return r;
}

NetworkOutput Cnn14Impl::run(const torch::Tensor& waveforms, const std::vector<int64_t>& lengths) {
  const int64_t padded = waveforms.size(1);
  bool uniform = true;
  for (auto len : lengths) uniform = uniform && len == padded;
  if (uniform || is_training()) return to_network_output(forward(waveforms), lengths);

  // Inference on mixed lengths: one forward per length, results scattered back in batch order.
  std::map<int64_t, std::vector<int64_t>> by_length;
  for (size_t b = 0; b < lengths.size(); ++b) by_length[lengths[b]].push_back(static_cast<int64_t>(b));
  const int64_t B = waveforms.size(0), C = settings_.channels.back();
  const int64_t max_frames = settings_.frames_for(padded);
  NetworkOutput r;
  for (auto len : lengths) r.frames.push_back(settings_.frames_for(len));
  for (const auto& [len, items] : by_length) {
    const auto rows = at::tensor(items, at::kLong).to(waveforms.device());
    auto out = forward(waveforms.index_select(0, rows).narrow(1, 0, len));
    if (!r.logits.defined()) {  // the outputs' dtype, which autocast may have changed
      auto opts = out.logits.options();
      r.hidden = at::zeros({B, max_frames, C}, opts);
      r.pooled = at::empty({B, C}, opts);
      r.logits = at::empty({B, out.logits.size(1)}, opts);
    }
    auto frames = out.features.transpose(1, 2);
    r.hidden.narrow(1, 0, frames.size(1)).index_copy_(0, rows, frames);
    r.pooled.index_copy_(0, rows, out.embedding);
    r.logits.index_copy_(0, rows, out.logits);
  }
  return r;
}

}  // namespace ser::models
