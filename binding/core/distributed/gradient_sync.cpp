#include "distributed/gradient_sync.h"

#include <chrono>

namespace ser::distributed {

GradientSync::GradientSync(std::shared_ptr<Group> group, const std::vector<at::Tensor>& params, size_t bucket_bytes)
    : group_(std::move(group)), params_(params) {
  const size_t n = params_.size();
  bucket_of_.assign(n, 0);
  slot_of_.assign(n, 0);
  done_.assign(n, false);
  std::vector<size_t> current;
  size_t bytes = 0;
  auto close = [&] {
    if (current.empty()) return;
    Bucket b;
    int64_t at = 0;
    for (size_t k = 0; k < current.size(); ++k) {
      bucket_of_[current[k]] = buckets_.size();
      slot_of_[current[k]] = k;
      b.offsets.push_back(at);
      at += params_[current[k]].numel();
    }
    b.members = current;
    b.flags_at = at;
    b.flat = at::zeros({at + static_cast<int64_t>(current.size())}, params_[current[0]].options());
    buckets_.push_back(std::move(b));
    current.clear();
    bytes = 0;
  };
  for (size_t i = n; i-- > 0;) {
    const auto& p = params_[i];
    if (!current.empty() && (bytes >= bucket_bytes || p.scalar_type() != params_[current[0]].scalar_type() ||
                             p.device() != params_[current[0]].device()))
      close();
    current.push_back(i);
    bytes += p.numel() * p.element_size();
  }
  close();
  for (size_t i = 0; i < n; ++i)
    hooks_.push_back(params_[i].register_hook([this, i](const at::Tensor& g) { on_gradient(i, g); }));
}

GradientSync::~GradientSync() {
  for (size_t i = 0; i < hooks_.size(); ++i) params_[i].remove_hook(hooks_[i]);
}

size_t GradientSync::bytes_per_step() const {
  size_t total = 0;
  for (const auto& b : buckets_) total += b.flat.numel() * b.flat.element_size();
  return total;
}

void GradientSync::arm() {
  armed_ = true;
  next_launch_ = 0;
  done_.assign(params_.size(), false);
  for (auto& b : buckets_) {
    b.ready = 0;
    b.work.reset();
  }
}

// Runs inside backward, before the gradient is added to .grad: the final gradient is this one
// plus what earlier micro-batches accumulated.
void GradientSync::on_gradient(size_t i, const at::Tensor& grad) {
  if (!armed_ || done_[i]) return;
  at::NoGradGuard no_grad;
  Bucket& b = buckets_[bucket_of_[i]];
  const size_t slot = slot_of_[i];
  auto into = b.flat.narrow(0, b.offsets[slot], params_[i].numel());
  const auto& before = params_[i].grad();
  if (before.defined()) at::add_out(into, before.reshape(-1), grad.reshape(-1));
  else into.copy_(grad.reshape(-1));
  b.flat[b.flags_at + static_cast<int64_t>(slot)].fill_(1);
  done_[i] = true;
  if (++b.ready == b.members.size()) launch_in_order();
}

void GradientSync::launch_in_order() {
  while (next_launch_ < buckets_.size() && buckets_[next_launch_].ready == buckets_[next_launch_].members.size()) {
    Bucket& b = buckets_[next_launch_++];
    b.work = group_->allreduce_sum_async(b.flat);
  }
}

// Parameters without a gradient in this backward (not used, or no examples on this rank):
// what earlier micro-batches left, else zeros with the flag down.
void GradientSync::fill_missing(Bucket& b) {
  at::NoGradGuard no_grad;
  for (size_t k = 0; k < b.members.size(); ++k) {
    const size_t i = b.members[k];
    if (done_[i]) continue;
    auto into = b.flat.narrow(0, b.offsets[k], params_[i].numel());
    const auto& before = params_[i].grad();
    const bool has = before.defined();
    if (has) into.copy_(before.reshape(-1));
    else into.zero_();
    b.flat[b.flags_at + static_cast<int64_t>(k)].fill_(has ? 1 : 0);
    done_[i] = true;
    ++b.ready;
  }
}

void GradientSync::finish() {
  const auto started = std::chrono::steady_clock::now();
  for (auto& b : buckets_) fill_missing(b);
  launch_in_order();
  for (auto& b : buckets_) group_->wait(b.work, "gradient all-reduce");
  armed_ = false;
  for (auto& b : buckets_) {
    auto flags = b.flat.narrow(0, b.flags_at, static_cast<int64_t>(b.members.size())).to(at::kFloat).cpu();
    auto f = flags.accessor<float, 1>();
    for (size_t k = 0; k < b.members.size(); ++k) {
      auto& p = params_[b.members[k]];
      if (f[static_cast<int64_t>(k)] > 0) p.mutable_grad() = b.flat.narrow(0, b.offsets[k], p.numel()).view(p.sizes());
      else p.mutable_grad() = at::Tensor();
    }
  }
  wait_seconds_ += std::chrono::duration<double>(std::chrono::steady_clock::now() - started).count();
}

}  // namespace ser::distributed
