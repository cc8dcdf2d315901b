// Predictions of a model over a manifest (whole clips, batched by length) and CCC per dimension.
#pragma once
#include <vector>

#include "api/model_folder.h"
#include "train/audio_cache.h"
#include "train/manifest.h"

namespace ser::train {

struct Evaluation {
  std::vector<std::vector<double>> predictions;  // per example, per model output
  std::vector<double> ccc;                       // per manifest dimension
  double ccc_mean = 0;
};

// head_index[d]: the model output that predicts manifest dimension d.
Evaluation evaluate_manifest(models::SerNetwork& model, const ModelConfig& config, const PreprocessorConfig& pre,
                             const Manifest& manifest, const std::vector<int64_t>& head_index, AudioCache& cache,
                             c10::Device device, int batch_size, double max_batch_seconds);

}  // namespace ser::train
