// The core's public face for the N-API layer and the C++ tests. Free of torch headers on purpose:
// files that include it compile in seconds.
#pragma once
#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "runtime/runtime_info.h"

namespace ser {

struct ModelOptions {
  std::string device = "cpu";      // "cpu", "cuda", "cuda:N"
  int threads = 0;                 // intra-op threads; 0 = keep the process setting (default: all cores)
  int num_layers = 0;              // keep only the first N transformer layers; 0 = all
  std::string precision = "fp32";  // "fp32" | "bf16" | "int8" | "auto"
};

// One input: a file path, or samples at `sample_rate` Hz.
struct AudioInput {
  std::string path;
  std::vector<float> samples;
  double sample_rate = 0;
  std::string key;  // the perturbation's key; empty: the path, or "#<index>" for samples
};

enum class OutputKind { Predictions, Embeddings, HiddenStates };

// Changes one input's audio before the model sees it (robustness perturbations): gets the decoded
// mono samples at the model's rate, before normalisation, and returns the samples to use. `key`
// names the input whatever its position in the call: a file's path as given, "#<index>" for
// samples (their index in the call).
using WaveformTransform =
    std::function<std::vector<float>(std::vector<float> samples, int sample_rate, const std::string& key)>;

struct ItemResult {
  int64_t frames = 0;         // frames of the hidden states (HiddenStates)
  std::vector<float> values;  // logits, pooled embedding, or frames x hidden_size
};

struct ModelDescription {
  std::string model_type;
  std::vector<std::string> architectures;
  std::vector<std::string> labels;  // output names when there is a head
  bool has_head = false;
  int64_t hidden_size = 0;
  int64_t num_layers = 0;
  int64_t num_parameters = 0;
  int sampling_rate = 16000;
  int64_t min_samples = 0;
  std::string device;
  std::vector<std::string> skipped_keys;  // checkpoint keys left out on purpose
  std::string precision;                  // what runs: "fp32" | "bf16" | "int8" ('auto' resolved)
  std::string precision_reason;           // why (requested, or what the hardware offers)
  std::vector<std::string> warnings;      // e.g. bf16 on hardware without native bf16
};

class SerModel {
 public:
  // Reads config.json, preprocessor_config.json and the weights from a Hugging Face folder.
  static std::shared_ptr<SerModel> load(const std::string& dir, const ModelOptions& options);
  ~SerModel();

  const ModelDescription& description() const;
  // Decodes, prepares and runs `inputs` in batches of `batch_size` (sorted by length to keep
  // padding small); results come back in input order. `transform`, when set, changes each input's
  // audio first (see WaveformTransform).
  std::vector<ItemResult> run(const std::vector<AudioInput>& inputs, OutputKind kind, int batch_size,
                              const WaveformTransform& transform = nullptr);

  // ERR_NO_HEAD for predictions from a model without an emotion head.
  void check_output(OutputKind kind) const;
  // run() in two steps, so several calls can share forward passes (loadModel's `batching`).
  // prepare: decodes and checks one call's inputs (errors name "input <i>" of that call or the file).
  std::vector<std::vector<float>> prepare(const std::vector<AudioInput>& inputs,
                                          const WaveformTransform& transform = nullptr) const;
  struct PreparedCall {
    std::vector<std::vector<float>> waves;  // prepare()'s output; consumed
    OutputKind kind = OutputKind::Predictions;
  };
  struct PassLimits {
    int max_items = 8;               // inputs per forward pass
    int64_t max_padded_samples = 0;  // longest input x inputs per pass; 0: no cap
  };
  // Runs the calls' inputs together, sorted by length into forward passes within `limits` (an
  // input longer than the cap runs alone); results per call, in each call's input order.
  std::vector<std::vector<ItemResult>> run_prepared(std::vector<PreparedCall> calls, const PassLimits& limits);
  // Writes the model in Hugging Face layout (config.json, preprocessor_config.json, model.safetensors).
  void save(const std::string& dir) const;

 private:
  SerModel();
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

}  // namespace ser
