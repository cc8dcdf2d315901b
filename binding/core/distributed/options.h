// Where a data-parallel training process sits among its peers: torchrun's environment or the
// explicit train({ distributed: { ... } }) option, resolved by the JS layer into these fields.
#pragma once
#include <string>

namespace ser::distributed {

struct DistributedOptions {
  bool enabled = false;  // false: the single-process trainer
  int rank = 0, world_size = 1;
  int local_world_size = 1;  // processes on this machine (thread count per process)
  int local_rank = 0;        // this process among them: its GPU when the device is 'cuda'
  bool cuda = false;         // the run's tensors live on CUDA (NCCL moves them where libtorch has it)
  std::string master_addr = "127.0.0.1";
  int master_port = 29500;
  double timeout_seconds = 1800;  // collectives and store waits (rank 0 evaluates while others wait)
  // torchrun's default mode: its agent owns MASTER_PORT; workers connect as clients under
  // /worker/attempt_<restart_count>.
  bool agent_store = false;
  int restart_count = 0;
};

}  // namespace ser::distributed
