// One process of a data-parallel run on c10d: a TCPStore (or torchrun's agent store) and a
// ProcessGroupGloo (GLOO_SOCKET_IFNAME honoured; NCCL too for CUDA runs where libtorch has it,
// distributed/torch_compat.h), with the few collectives the trainer needs.
// Every collective waits here: a peer that dies or times out becomes ser::Error(ErrorCode::Io)
// naming the rank when it can be told (same machine: its pid is gone), never an uncaught gloo
// exception.
#pragma once
#include <memory>
#include <string>
#include <vector>

#include <ATen/ATen.h>
#include <torch/csrc/distributed/c10d/ProcessGroup.hpp>

#include "distributed/options.h"

namespace ser::distributed {

class Group {
 public:
  // Connects to every peer; throws ErrorCode::Io when they do not all arrive within the timeout.
  static std::shared_ptr<Group> connect(const DistributedOptions& options);

  int rank() const { return rank_; }
  int size() const { return size_; }

  // In place, from `root`, for tensors of any dtype (coalesced into large messages).
  void broadcast(const std::vector<at::Tensor>& tensors, int root = 0);
  // (size, ...) : every rank's `t` (same shape everywhere), in rank order.
  at::Tensor all_gather(const at::Tensor& t);
  void allreduce_sum(at::Tensor& t);
  bool any(bool flag);  // true when `flag` is true on some rank
  void barrier();

  // Asynchronous sum (the gradient buckets); finish with wait().
  c10::intrusive_ptr<c10d::Work> allreduce_sum_async(at::Tensor& t);
  void wait(const c10::intrusive_ptr<c10d::Work>& work, const char* what);

  // Turns an exception from a collective into the typed error.
  [[noreturn]] void fail(const std::string& what, const std::string& detail) const;

 private:
  Group() = default;
  int rank_ = 0, size_ = 1;
  double timeout_seconds_ = 0;
  std::vector<std::string> hosts_;  // hostname of every rank
  std::vector<int64_t> pids_;       // pid of every rank
  c10::intrusive_ptr<c10d::Store> store_;
  c10::intrusive_ptr<c10d::ProcessGroup> pg_;
};

}  // namespace ser::distributed
