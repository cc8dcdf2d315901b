#include "train/batch_forward.h"

#include "preprocess/pad_batch.h"

namespace ser::train {

at::Tensor rows_tensor(const std::vector<size_t>& part, c10::Device device) {
  return at::tensor(std::vector<int64_t>(part.begin(), part.end()), at::kLong).to(device);
}

at::Tensor forward_part(TrainingSession& s, const PreparedBatch& batch, const std::vector<size_t>& part,
                        int64_t pad_to) {
  std::vector<const std::vector<float>*> items;
  for (size_t k : part) items.push_back(&batch.waves[k]);
  std::vector<int64_t> lengths;
  auto x = preprocess::pad_batch(items, lengths);
  if (pad_to > x.size(1)) x = at::constant_pad_nd(x, {0, pad_to - x.size(1)});
  auto out = s.folder.model->run(x.to(s.device), lengths);
  return out.logits.index_select(1, s.head_rows).to(at::kFloat);
}

}  // namespace ser::train
