#include "train/distributed_run.h"

#include <filesystem>
#include <sstream>

#include <ATen/ATen.h>

#include "distributed/start_check.h"

namespace ser::train {
namespace {

using distributed::fingerprint;

constexpr size_t kFingerprints = 5;

// Paths may differ between machines; what they hold may not.
uint64_t manifest_fingerprint(const Manifest& m) {
  std::ostringstream out;
  out.precision(17);
  for (const auto& d : m.dimensions) out << d << ',';
  for (const auto& e : m.examples) {
    out << std::filesystem::path(e.path).filename().string() << ';' << e.seconds;
    for (double v : e.labels) out << ';' << v;
    out << '\n';
  }
  return fingerprint(out.str());
}

distributed::Fingerprints run_fingerprints(const TrainingSession& s) {
  const TrainOptions& o = s.options;
  std::ostringstream opt;
  opt.precision(17);
  opt << o.architecture << '|' << o.label_range.min << '|' << o.label_range.max << '|' << o.optimizer << '|' << o.lr
      << '|' << o.momentum << '|' << o.weight_decay << '|' << o.lr_schedule << '|' << o.grad_clip << '|' << o.batch_size
      << '|' << o.epochs << '|' << o.max_batch_seconds << '|' << o.max_clip_seconds << '|' << o.freeze_feature_encoder
      << '|' << o.num_layers << '|' << o.precision << '|' << o.bf16 << '|' << o.seed << '|' << o.eval_every << '|'
      << o.resume << '|' << o.dropout << '|' << o.layerdrop << '|' << o.mask_time_prob;
  std::ostringstream model;
  model << s.folder.config.model_type;
  for (const auto& p : s.folder.model->named_parameters()) model << '|' << p.key() << p.value().sizes();
  for (const auto& b : s.folder.model->named_buffers()) model << '|' << b.key() << b.value().sizes();
  std::ostringstream at;
  at << s.state.epoch << '|' << s.state.next_batch << '|' << s.state.step;
  return {{"options", fingerprint(opt.str())},
          {"model (architecture, parameter names and shapes)", fingerprint(model.str())},
          {"train manifest (files, lengths, labels)", manifest_fingerprint(s.train_set)},
          {"dev manifest (files, lengths, labels)", manifest_fingerprint(s.dev_set)},
          {"resume point (outDir/last)", fingerprint(at.str())}};
}

}  // namespace

std::unique_ptr<TrainingSession> prepare_distributed_session(const TrainOptions& options) {
  TrainOptions o = options;
  // One GPU per process, torchrun's convention: 'cuda' without an index is GPU LOCAL_RANK.
  if (o.device == "cuda") o.device = "cuda:" + std::to_string(o.distributed.local_rank);
  o.distributed.cuda = o.device.rfind("cuda", 0) == 0;
  auto group = distributed::Group::connect(o.distributed);
  std::unique_ptr<TrainingSession> s;
  try {
    s = prepare_session(o);
  } catch (...) {
    const auto own = std::current_exception();
    try {
      distributed::check_same_start(*group, false, {}, kFingerprints);
    } catch (...) {  // the others may be gone already: this rank's own error is what matters
    }
    std::rethrow_exception(own);
  }
  distributed::check_same_start(*group, true, run_fingerprints(*s), kFingerprints);
  std::vector<at::Tensor> state = s->folder.model->parameters();
  for (const auto& b : s->folder.model->buffers()) state.push_back(b);
  group->broadcast(state, 0);
  s->group = group;
  s->sync = std::make_unique<distributed::GradientSync>(group, s->params);
  return s;
}

void average_buffers(TrainingSession& s) {
  std::vector<at::Tensor> floating;
  for (const auto& b : s.folder.model->buffers())
    if (at::isFloatingType(b.scalar_type())) floating.push_back(b);
  if (floating.empty()) return;
  at::NoGradGuard no_grad;
  std::vector<at::Tensor> flat;
  for (const auto& b : floating) flat.push_back(b.detach().to(at::kDouble).reshape(-1));
  auto sum = at::cat(flat);
  s.group->allreduce_sum(sum);
  sum.div_(static_cast<double>(s.group->size()));
  int64_t at = 0;
  for (auto& b : floating) {
    b.detach().copy_(sum.narrow(0, at, b.numel()).view(b.sizes()));
    at += b.numel();
  }
}

}  // namespace ser::train
