#include "models/global_batch.h"

#include <atomic>
#include <stdexcept>

#include <torch/autograd.h>

namespace ser::models {
namespace {

std::atomic<GlobalBatch*> current{nullptr};  // process-wide: CUDA runs backward on another thread

// Sums `t` (any device, float or double) over the ranks.
at::Tensor summed(const at::Tensor& t) {
  GlobalBatch* g = current.load();
  if (!g) throw std::logic_error("global batch: a collective outside its scope");
  at::Tensor cpu = t.to(at::kCPU).contiguous();
  g->sum_over_ranks(cpu);
  return cpu.to(t.device());
}

// Per-channel sums over every dim but 1, accumulated in double as libtorch's CPU BatchNorm does
// (float sums drifted 4e-7 from it, which the CCC loss's steps amplify); summed over the ranks
// in double too.
at::Tensor channel_sum(const at::Tensor& x) {
  std::vector<int64_t> dims = {0};
  for (int64_t d = 2; d < x.dim(); ++d) dims.push_back(d);
  return x.sum(dims, /*keepdim=*/false, at::kDouble);
}
at::Tensor per_channel(const at::Tensor& v, const at::Tensor& like) {
  std::vector<int64_t> shape(like.dim(), 1);
  shape[1] = v.size(0);
  return v.view(shape);
}

// y = (x - mean) * invstd * weight + bias with mean / var over every rank's rows. Backward needs
// two more sums over the ranks: sum(dy) and sum(dy * xhat) per channel.
struct SyncBatchNormFunction : public torch::autograd::Function<SyncBatchNormFunction> {
  static at::Tensor forward(torch::autograd::AutogradContext* ctx, const at::Tensor& x, const at::Tensor& weight,
                            const at::Tensor& bias, const at::Tensor& mean, const at::Tensor& invstd, double count) {
    auto xhat = (x - per_channel(mean, x)) * per_channel(invstd, x);
    ctx->save_for_backward({xhat, weight, invstd});
    ctx->saved_data["count"] = count;
    return xhat * per_channel(weight, x) + per_channel(bias, x);
  }

  static torch::autograd::variable_list backward(torch::autograd::AutogradContext* ctx,
                                                 torch::autograd::variable_list grads) {
    const auto saved = ctx->get_saved_variables();
    const at::Tensor &xhat = saved[0], &weight = saved[1], &invstd = saved[2];
    const double count = ctx->saved_data["count"].toDouble();
    const at::Tensor& dy = grads[0];
    auto sum_dy = channel_sum(dy);
    auto sum_dy_xhat = channel_sum(dy * xhat);
    // The parameters' gradients stay local: the gradient sync adds them up over the ranks.
    auto global = (summed(at::stack({sum_dy, sum_dy_xhat})) / count).to(dy.scalar_type());
    auto dx = per_channel(weight * invstd, dy) * (dy - per_channel(global[0], dy) - xhat * per_channel(global[1], dy));
    const auto type = weight.scalar_type();
    return {dx, sum_dy_xhat.to(type), sum_dy.to(type), at::Tensor(), at::Tensor(), at::Tensor()};
  }
};

at::Tensor sync_batch_norm(torch::nn::BatchNorm2d& bn, const at::Tensor& x, GlobalBatch& g) {
  const auto& o = bn->options;
  const int64_t per_example = x.numel() / std::max<int64_t>(x.size(0), 1) / x.size(1);
  const double count = static_cast<double>(g.size * per_example);
  at::Tensor mean, var;
  {
    at::NoGradGuard no_grad;  // the statistics' own gradient is in the function's backward
    // Two passes (mean, then centred squares), as one process's BatchNorm: no cancellation.
    mean = summed(channel_sum(x.detach())) / count;
    var = summed(channel_sum((x.detach() - per_channel(mean.to(x.scalar_type()), x)).square())) / count;
    if (o.track_running_stats()) {
      bn->num_batches_tracked += 1;
      const double m = o.momentum() ? *o.momentum() : 1.0 / bn->num_batches_tracked.item<double>();
      bn->running_mean.mul_(1 - m).add_(mean.to(bn->running_mean.scalar_type()), m);
      bn->running_var.mul_(1 - m).add_((var * (count / std::max(count - 1, 1.0))).to(bn->running_var.scalar_type()), m);
    }
  }
  auto invstd = (var + o.eps()).rsqrt().to(x.scalar_type());
  return SyncBatchNormFunction::apply(x, bn->weight, bn->bias, mean.to(x.scalar_type()), invstd, count);
}

}  // namespace

GlobalBatchScope::GlobalBatchScope(GlobalBatch batch) : batch_(std::move(batch)) {
  GlobalBatch* expected = nullptr;
  if (!current.compare_exchange_strong(expected, &batch_))
    throw std::logic_error("global batch: one scope at a time per process");
}

GlobalBatchScope::~GlobalBatchScope() { current.store(nullptr); }

const GlobalBatch* global_batch_in_scope() { return current.load(); }

at::Tensor global_batch_norm(torch::nn::BatchNorm2d& bn, const at::Tensor& x) {
  GlobalBatch* g = current.load();
  if (!g || !bn->is_training() || !bn->options.affine()) return bn(x);
  return sync_batch_norm(bn, x, *g);
}

at::Tensor global_dropout(const at::Tensor& x, double p, bool training) {
  GlobalBatch* g = current.load();
  if (!g || !training || p <= 0) return at::dropout(x, p, training);
  if (p >= 1) return x * 0;
  // The mask one process would draw for the whole batch (same generator state on every rank,
  // same draws), then this rank's rows of it.
  auto shape = x.sizes().vec();
  shape[0] = g->size;
  auto mask =
      at::empty(shape, x.options().requires_grad(false).memory_format(x.suggest_memory_format())).bernoulli_(1 - p);
  mask = mask.index_select(0, g->rows.to(x.device())).div_(1 - p);
  return x * mask;
}

}  // namespace ser::models
