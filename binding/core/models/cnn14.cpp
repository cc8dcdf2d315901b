#include "models/cnn14.h"

#include <ATen/ATen.h>
#include <nlohmann/json.hpp>

#include "error.h"

namespace ser::models {

Cnn14Config parse_cnn14_config(const std::string& text, const std::string& src) {
  Cnn14Config c;
  try {
    auto j = nlohmann::json::parse(text);
    if (j.value("model_type", std::string()) != "cnn14") throw Error(ErrorCode::Config, src + ": model_type is not cnn14");
    c.log_mel.sample_rate = j.value("sample_rate", c.log_mel.sample_rate);
    c.log_mel.n_fft = j.value("n_fft", c.log_mel.n_fft);
    c.log_mel.hop_length = j.value("hop_length", c.log_mel.hop_length);
    c.log_mel.n_mels = j.value("n_mels", c.log_mel.n_mels);
    c.log_mel.f_min = j.value("f_min", c.log_mel.f_min);
    c.log_mel.f_max = j.value("f_max", c.log_mel.f_max);
    c.channels = j.value("channels", c.channels);
    if (j.contains("id2label")) {
      c.labels.clear();
      for (size_t i = 0; i < j["id2label"].size(); ++i) c.labels.push_back(j["id2label"].at(std::to_string(i)).get<std::string>());
    }
  } catch (const nlohmann::json::exception& e) {
    throw Error(ErrorCode::Config, src + ": " + e.what());
  }
  if (c.channels.size() != 6) throw Error(ErrorCode::Config, src + ": 'channels' must list 6 block widths");
  for (auto ch : c.channels)
    if (ch <= 0) throw Error(ErrorCode::Config, src + ": 'channels' must be positive");
  if (c.log_mel.n_fft <= 0 || c.log_mel.hop_length <= 0 || c.log_mel.n_mels <= 0 || !(c.log_mel.f_max > c.log_mel.f_min))
    throw Error(ErrorCode::Config, src + ": invalid log-Mel settings");
  if (c.labels.empty()) throw Error(ErrorCode::Config, src + ": 'id2label' is empty");
  return c;
}

Cnn14ConvBlockImpl::Cnn14ConvBlockImpl(int64_t in_channels, int64_t out_channels, bool pool) : pool_(pool) {
  auto conv = [](int64_t i, int64_t o) { return torch::nn::Conv2dOptions(i, o, 3).stride(1).padding(1).bias(false); };
  conv1 = register_module("conv1", torch::nn::Conv2d(conv(in_channels, out_channels)));
  conv2 = register_module("conv2", torch::nn::Conv2d(conv(out_channels, out_channels)));
  bn1 = register_module("bn1", torch::nn::BatchNorm2d(out_channels));
  bn2 = register_module("bn2", torch::nn::BatchNorm2d(out_channels));
}

torch::Tensor Cnn14ConvBlockImpl::forward(const torch::Tensor& input) {
  auto x = at::relu(bn1(conv1(input)));
  x = at::relu(bn2(conv2(x)));
  return pool_ ? at::avg_pool2d(x, {2, 2}) : x;
}

Cnn14Impl::Cnn14Impl(const Cnn14Config& c) {
  log_mel_ = LogMel(c.log_mel);
  bn0 = register_module("bn0", torch::nn::BatchNorm2d(c.log_mel.n_mels));
  int64_t in = 1;
  for (size_t i = 0; i < c.channels.size(); ++i) {
    blocks_.push_back(register_module("conv_block" + std::to_string(i + 1), Cnn14ConvBlock(in, c.channels[i], i + 1 < c.channels.size())));
    in = c.channels[i];
  }
  fc1 = register_module("fc1", torch::nn::Linear(in, in));
  fc_out = register_module("fc_out", torch::nn::Linear(in, static_cast<int64_t>(c.labels.size())));
}

Cnn14Output Cnn14Impl::forward(const torch::Tensor& waveforms) {
  auto x = log_mel_(waveforms).unsqueeze(1);     // (B, 1, T, mels)
  x = bn0(x.transpose(1, 3)).transpose(1, 3);    // BatchNorm over the Mel bins
  for (auto& block : blocks_) {
    x = block(x);
    x = at::dropout(x, 0.2, is_training());
  }
  x = x.mean(3);                                  // (B, C, T'): mean over frequency
  x = std::get<0>(x.max(2)) + x.mean(2);          // max + mean over time
  x = at::dropout(x, 0.5, is_training());
  Cnn14Output out;
  out.embedding = at::relu(fc1(x));
  out.logits = fc_out(out.embedding);
  return out;
}

}  // namespace ser::models
