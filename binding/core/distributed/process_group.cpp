#include "distributed/process_group.h"

#include <signal.h>
#include <sys/types.h>
#include <unistd.h>

#include <cerrno>
#include <chrono>
#include <cstdlib>
#include <fstream>
#include <sstream>
#include <thread>

#include <torch/csrc/distributed/c10d/PrefixStore.hpp>
#include <torch/csrc/distributed/c10d/ProcessGroupGloo.hpp>
#include <torch/csrc/distributed/c10d/TCPStore.hpp>
#include <torch/csrc/distributed/c10d/comm.hpp>

#include "distributed/torch_compat.h"
#include "error.h"

namespace ser::distributed {
namespace {

using std::chrono::milliseconds;

std::string host_name() {
  char name[256] = {0};
  if (gethostname(name, sizeof(name) - 1) != 0) return "?";
  return name;
}

// A process on this machine that no longer runs (gone, or a zombie its parent has not reaped).
bool process_gone(int64_t pid) {
  if (kill(static_cast<pid_t>(pid), 0) != 0 && errno == ESRCH) return true;
  std::ifstream stat("/proc/" + std::to_string(pid) + "/stat");
  std::string line;
  if (!std::getline(stat, line)) return true;
  const auto close = line.rfind(')');
  return close != std::string::npos && close + 2 < line.size() && (line[close + 2] == 'Z' || line[close + 2] == 'X');
}

// GLOO_SOCKET_IFNAME=eth0,eth1 as torch.distributed reads it; else the host's own address.
std::vector<std::shared_ptr<::gloo::transport::Device>> gloo_devices() {
  std::vector<std::shared_ptr<::gloo::transport::Device>> devices;
  const char* names = std::getenv("GLOO_SOCKET_IFNAME");
  if (names && *names) {
    std::stringstream list(names);
    std::string name;
    while (std::getline(list, name, ','))
      if (!name.empty()) devices.push_back(c10d::ProcessGroupGloo::createDeviceForInterface(name));
  }
  if (devices.empty()) devices.push_back(c10d::ProcessGroupGloo::createDefaultDevice());
  return devices;
}

c10::intrusive_ptr<c10d::Store> open_store(const DistributedOptions& o, milliseconds timeout) {
  c10d::TCPStoreOptions so;
  so.port = static_cast<std::uint16_t>(o.master_port);
  so.timeout = timeout;
  if (o.agent_store) {
    so.isServer = false;  // torchrun's agent serves MASTER_PORT
    so.waitWorkers = false;
    auto tcp = c10::make_intrusive<c10d::TCPStore>(o.master_addr, so);
    return c10::make_intrusive<c10d::PrefixStore>("/worker/attempt_" + std::to_string(o.restart_count), tcp);
  }
  so.isServer = o.rank == 0;
  so.numWorkers = static_cast<std::size_t>(o.world_size);
  so.waitWorkers = true;
  return c10::make_intrusive<c10d::TCPStore>(o.master_addr, so);
}

}  // namespace

std::shared_ptr<Group> Group::connect(const DistributedOptions& o) {
  const auto timeout = milliseconds(static_cast<int64_t>(o.timeout_seconds * 1000));
  std::shared_ptr<Group> g(new Group());
  g->rank_ = o.rank;
  g->size_ = o.world_size;
  g->timeout_seconds_ = o.timeout_seconds;
  const std::string where = "train: distributed rank " + std::to_string(o.rank) + " of " +
                            std::to_string(o.world_size) + " (" + o.master_addr + ":" + std::to_string(o.master_port) +
                            ")";
  try {
    g->store_ = c10::make_intrusive<c10d::PrefixStore>("ser-torch/", open_store(o, timeout));
    auto options = c10d::ProcessGroupGloo::Options::create(timeout);
    options->devices = gloo_devices();
    options->threads = 2;
    g->pg_ = compat::process_group(g->store_, o.rank, o.world_size, options, o.cuda);
    // Who is where: lets a failure name the rank that went away.
    const std::string me = host_name() + "\n" + std::to_string(getpid());
    g->store_->set("peer/" + std::to_string(o.rank), std::vector<uint8_t>(me.begin(), me.end()));
    for (int r = 0; r < o.world_size; ++r) {
      auto v = g->store_->get("peer/" + std::to_string(r));
      std::string s(v.begin(), v.end());
      const auto nl = s.find('\n');
      g->hosts_.push_back(s.substr(0, nl));
      g->pids_.push_back(nl == std::string::npos ? 0 : std::stoll(s.substr(nl + 1)));
    }
  } catch (const Error&) {
    throw;
  } catch (const std::exception& e) {
    throw Error(ErrorCode::Io, where + ": could not connect to every rank within timeoutSeconds " +
                                   std::to_string(static_cast<int64_t>(o.timeout_seconds)) + " (" + e.what() + ")");
  }
  return g;
}

void Group::fail(const std::string& what, const std::string& detail) const {
  // A killed peer closes its sockets as it exits: give the kernel a moment to show it gone.
  const std::string me = host_name();
  std::vector<int> gone;
  for (int attempt = 0; attempt < 5 && gone.empty(); ++attempt) {
    if (attempt > 0) std::this_thread::sleep_for(milliseconds(100));
    for (int r = 0; r < size_; ++r)
      if (r != rank_ && hosts_.size() == static_cast<size_t>(size_) && hosts_[r] == me && process_gone(pids_[r]))
        gone.push_back(r);
  }
  std::string msg = "train: " + what + " failed on rank " + std::to_string(rank_) + ": ";
  if (!gone.empty()) {
    for (size_t k = 0; k < gone.size(); ++k)
      msg += (k ? ", rank " : "rank ") + std::to_string(gone[k]) + " (pid " + std::to_string(pids_[gone[k]]) + ")";
    msg += gone.size() == 1 ? " is gone" : " are gone";
  } else if (detail.find("imed out") != std::string::npos || detail.find("imeout") != std::string::npos) {
    msg += "a peer rank did not answer within timeoutSeconds " + std::to_string(static_cast<int64_t>(timeout_seconds_));
  } else {
    msg += "a peer rank stopped or cannot be reached";
  }
  throw Error(ErrorCode::Io,
              msg + "; training stopped, the checkpoints in outDir are the last good ones (" + detail + ")");
}

void Group::wait(const c10::intrusive_ptr<c10d::Work>& work, const char* what) {
  try {
    work->wait();
  } catch (const std::exception& e) {
    fail(what, e.what());
  }
}

void Group::broadcast(const std::vector<at::Tensor>& tensors, int root) {
  if (tensors.empty()) return;
  at::NoGradGuard no_grad;
  std::vector<at::Tensor> plain;
  for (const auto& t : tensors) plain.push_back(t.detach());
  try {
    c10d::broadcast_coalesced(pg_, plain, 64 * 1024 * 1024, root);
  } catch (const std::exception& e) {
    fail("broadcast", e.what());
  }
}

at::Tensor Group::all_gather(const at::Tensor& t) {
  std::vector<at::Tensor> in{t.contiguous()};
  std::vector<std::vector<at::Tensor>> out(1);
  for (int r = 0; r < size_; ++r) out[0].push_back(at::empty_like(in[0]));
  try {
    wait(pg_->allgather(out, in), "all-gather");
  } catch (const Error&) {
    throw;
  } catch (const std::exception& e) {
    fail("all-gather", e.what());
  }
  return at::stack(out[0]);
}

c10::intrusive_ptr<c10d::Work> Group::allreduce_sum_async(at::Tensor& t) {
  std::vector<at::Tensor> ts{t};
  try {
    return pg_->allreduce(ts);
  } catch (const std::exception& e) {
    fail("all-reduce", e.what());
  }
}

void Group::allreduce_sum(at::Tensor& t) { wait(allreduce_sum_async(t), "all-reduce"); }

bool Group::any(bool flag) {
  auto t = at::full({1}, flag ? 1 : 0, at::kInt);
  allreduce_sum(t);
  return t.item<int>() > 0;
}

void Group::barrier() {
  // A 1-element all-reduce: it waits for every rank like c10d's barrier, through the same wait.
  any(false);
}

}  // namespace ser::distributed
