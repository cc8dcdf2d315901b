#include "train/evaluator.h"

#include <ATen/ATen.h>
#include <c10/core/InferenceMode.h>

#include "preprocess/pad_batch.h"
#include "runtime/fork_gate.h"
#include "train/batch_loader.h"
#include "train/batch_plan.h"
#include "train/ccc_loss.h"

namespace ser::train {

Evaluation evaluate_manifest(models::SerNetwork& model, const ModelConfig& config, const PreprocessorConfig& pre,
                             const Manifest& manifest, const std::vector<int64_t>& head_index, AudioCache& cache,
                             c10::Device device, int batch_size, double max_batch_seconds) {
  const bool was_training = model->is_training();
  model->eval();
  Evaluation ev;
  ev.predictions.resize(manifest.examples.size());
  std::vector<double> seconds;
  for (const auto& e : manifest.examples) seconds.push_back(e.seconds);
  auto plan = plan_batches(seconds, batch_size, 0, 0, /*shuffle=*/false, 0);
  LoaderSettings settings;  // whole clips, no crop
  BatchLoader loader(manifest, config, pre, cache, plan.batches, 0, settings);
  PreparedBatch batch;
  {
    c10::InferenceMode guard;
    while (loader.next(batch)) {
      // Long clips: split by padded length so memory stays under the cap.
      std::vector<size_t> positions(batch.indices.size());
      for (size_t k = 0; k < positions.size(); ++k) positions[k] = k;
      std::vector<double> secs;
      for (auto& w : batch.waves) secs.push_back(static_cast<double>(w.size()) / pre.sampling_rate);
      for (auto& micro : split_micro_batches(positions, secs, max_batch_seconds, 0)) {
        std::vector<const std::vector<float>*> items;
        for (size_t k : micro) items.push_back(&batch.waves[k]);
        std::vector<int64_t> lengths;
        runtime::ComputeSection section;  // a fork waits for this batch (runtime/fork_gate.h)
        auto out = model->run(preprocess::pad_batch(items, lengths).to(device), lengths);
        auto logits = out.logits.to(at::kCPU, at::kDouble).contiguous();
        for (size_t r = 0; r < micro.size(); ++r) {
          auto row = logits[static_cast<int64_t>(r)];
          ev.predictions[batch.indices[micro[r]]].assign(row.data_ptr<double>(), row.data_ptr<double>() + row.numel());
        }
      }
    }
  }
  double sum = 0;
  for (size_t d = 0; d < manifest.dimensions.size(); ++d) {
    std::vector<double> pred, gold;
    for (size_t i = 0; i < manifest.examples.size(); ++i) {
      pred.push_back(ev.predictions[i][head_index[d]]);
      gold.push_back(manifest.examples[i].labels[d]);
    }
    ev.ccc.push_back(ccc_value(pred, gold));
    sum += ev.ccc.back();
  }
  ev.ccc_mean = manifest.dimensions.empty() ? 0 : sum / manifest.dimensions.size();
  if (was_training) model->train();
  return ev;
}

}  // namespace ser::train
