#include "api/cnn14_checkpoint.h"

#include <filesystem>
#include <vector>

#include <ATen/ATen.h>

#include "error.h"
#include "io/torch_bin.h"
#include "message_text.h"

namespace ser {
namespace {

int64_t dim_of(const std::string& path, const io::NamedTensors& t, const std::string& key, int64_t dim, int64_t rank) {
  auto it = t.find(key);
  if (it == t.end())
    fail_at(ErrorCode::Checkpoint, path,
            "is not a PANNs CNN14 checkpoint: it has no '" + key +
                "' (wav2vec2 / HuBERT models are given as their folder)");
  if (it->second.dim() != rank)
    fail_at(ErrorCode::Checkpoint, path,
            "'" + key + "' has " + std::to_string(it->second.dim()) + " dimensions, CNN14 has " + std::to_string(rank));
  return it->second.size(dim);
}

void expect_shape(const std::string& path, const io::NamedTensors& t, const std::string& key,
                  std::vector<int64_t> shape) {
  dim_of(path, t, key, 0, static_cast<int64_t>(shape.size()));
  if (t.at(key).sizes() != at::IntArrayRef(shape))
    fail_at(
        ErrorCode::Checkpoint, path,
        "'" + key + "' has shape " + c10::str(t.at(key).sizes()) + ", CNN14 needs " + c10::str(at::IntArrayRef(shape)));
}

}  // namespace

io::LoadPolicy cnn14_load_policy(ModelFolder& f, io::NamedTensors& tensors) {
  static const char* kPannsOnly[] = {"spectrogram_extractor.", "logmel_extractor.", "fc_audioset."};
  for (auto it = tensors.begin(); it != tensors.end();) {
    bool skip = false;
    for (const char* p : kPannsOnly) skip = skip || starts_with(it->first, p);
    if (skip) {
      f.skipped_keys.push_back(it->first);
      it = tensors.erase(it);
    } else {
      ++it;
    }
  }
  io::LoadPolicy policy;
  for (const auto& b : f.model->named_buffers())
    if (ends_with(b.key(), "num_batches_tracked")) policy.optional.push_back(b.key());
  if (f.new_head) policy.optional.push_back("fc_out.");
  return policy;
}

bool is_panns_checkpoint_file(const std::string& path) {
  std::error_code ec;
  return std::filesystem::is_regular_file(path, ec);
}

ModelFolder import_panns_checkpoint(const std::string& path, uint64_t seed,
                                    const std::function<void(ModelConfig&)>& adjust) {
  io::NamedTensors tensors = io::read_torch_bin(path, "model");
  Cnn14Settings settings;
  // Every shape is checked before the model is built, so a hostile file cannot make it huge.
  int64_t in = 1;
  for (int b = 0; b < 6; ++b) {
    const std::string block = "conv_block" + std::to_string(b + 1);
    const int64_t out = dim_of(path, tensors, block + ".conv1.weight", 0, 4);
    if (out < 1 || out > 8192)
      fail_at(ErrorCode::Checkpoint, path,
              "'" + block + ".conv1.weight' has " + std::to_string(out) + " output channels");
    expect_shape(path, tensors, block + ".conv1.weight", {out, in, 3, 3});
    expect_shape(path, tensors, block + ".conv2.weight", {out, out, 3, 3});
    settings.channels[b] = in = out;
  }
  expect_shape(path, tensors, "fc1.weight", {in, in});
  const int64_t n_mels = dim_of(path, tensors, "bn0.weight", 0, 1);
  if (n_mels != settings.log_mel.n_mels)
    fail_at(ErrorCode::Checkpoint, path, "bn0 covers " + std::to_string(n_mels) + " Mel bins; Cnn14_16k has 64");
  if (auto it = tensors.find("logmel_extractor.melW"); it != tensors.end()) {
    const int64_t bins = it->second.dim() == 2 ? it->second.size(0) : -1;
    if (bins != settings.log_mel.n_fft / 2 + 1)
      fail_at(ErrorCode::Checkpoint, path,
              "its Mel filters cover " + std::to_string(bins) +
                  " FFT bins; only the 16 kHz Cnn14_16k (n_fft 512, 257 bins) is supported"
                  " (the 32 kHz Cnn14 uses n_fft 1024)");
  }
  ModelConfig config = cnn14_config(settings);
  if (adjust) adjust(config);
  ModelFolder f = new_model(config, default_preprocessor(config), /*with_head=*/true, seed);
  f.new_head = true;
  const io::LoadPolicy policy = cnn14_load_policy(f, tensors);
  io::load_state(*f.model, tensors, path, policy);
  return f;
}

}  // namespace ser
