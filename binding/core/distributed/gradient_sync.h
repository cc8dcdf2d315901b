// Gradients summed over the ranks while backward still runs (what DDP's Reducer does; Debian's
// libtorch lacks a header Reducer needs). Parameters are packed, in reverse order (the order
// backward produces them), into ~25 MiB buckets; a hook copies each final gradient into its
// bucket and a full bucket is all-reduced at once, always in bucket order so that every rank
// issues the same collectives in the same order. finish() then makes each parameter's .grad the
// summed gradient. A parameter that no rank gave a gradient keeps none (Adam skips it, as it
// would in one process).
#pragma once
#include <cstddef>
#include <memory>
#include <vector>

#include <ATen/ATen.h>

#include "distributed/process_group.h"

namespace ser::distributed {

class GradientSync {
 public:
  GradientSync(std::shared_ptr<Group> group, const std::vector<at::Tensor>& params, size_t bucket_bytes = 25u << 20);
  ~GradientSync();
  GradientSync(const GradientSync&) = delete;
  GradientSync& operator=(const GradientSync&) = delete;

  // The next backward pass produces the step's final gradients (the last micro-batch): sync them.
  void arm();
  // After that backward: all-reduces what is left, waits, sets every parameter's .grad.
  void finish();

  double wait_seconds() const { return wait_seconds_; }  // spent in finish() (communication not hidden)
  size_t bytes_per_step() const;                         // payload all-reduced per step

 private:
  struct Bucket {
    at::Tensor flat;              // gradients, then one "had a gradient" flag per member
    std::vector<size_t> members;  // parameter indices
    std::vector<int64_t> offsets;
    int64_t flags_at = 0;
    size_t ready = 0;
    c10::intrusive_ptr<c10d::Work> work;
  };
  void on_gradient(size_t param, const at::Tensor& grad);
  void launch_in_order();
  void fill_missing(Bucket& b);

  std::shared_ptr<Group> group_;
  std::vector<at::Tensor> params_;
  std::vector<unsigned> hooks_;
  std::vector<Bucket> buckets_;
  std::vector<size_t> bucket_of_, slot_of_;
  std::vector<bool> done_;
  size_t next_launch_ = 0;
  bool armed_ = false;
  double wait_seconds_ = 0;
};

}  // namespace ser::distributed
