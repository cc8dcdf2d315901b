#include "compute_thread.h"

#include "runtime/fork_gate.h"

#include <algorithm>
#include <atomic>
#include <condition_variable>
#include <deque>
#include <mutex>
#include <thread>
#include <vector>

namespace ser_napi {

struct ComputeLane::State {
  std::mutex mutex;
  std::condition_variable cv;
  std::deque<std::function<void()>> queue;
  bool busy = false, closed = false, stopped = false;
};

namespace {

// Every lane that may still run, for stop_compute_thread(). Leaked on purpose: no exit-time
// teardown race with a lane still finishing.
struct LaneRegistry {
  std::mutex mutex;
  std::vector<std::weak_ptr<ComputeLane::State>> lanes;
};
LaneRegistry& registry() {
  static auto* r = new LaneRegistry();
  return *r;
}

// Detached: the thread owns the state, and ends when its lane is closed and drained (the shared
// thread never is, and lives as long as the process, like libuv's own pool).
void lane_loop(std::shared_ptr<ComputeLane::State> s) {
  while (true) {
    std::function<void()> job;
    {
      std::unique_lock<std::mutex> lock(s->mutex);
      s->cv.wait(lock, [&] { return !s->queue.empty() || s->closed || s->stopped; });
      if (s->queue.empty() || s->stopped) break;
      job = std::move(s->queue.front());
      s->queue.pop_front();
      s->busy = true;
    }
    {
      ser::runtime::ComputeSection section;  // a fork waits for it (runtime/fork_gate.h)
      job();
    }
    {
      std::lock_guard<std::mutex> lock(s->mutex);
      s->busy = false;
    }
    s->cv.notify_all();
  }
  std::lock_guard<std::mutex> lock(registry().mutex);
  auto& lanes = registry().lanes;
  lanes.erase(std::remove_if(lanes.begin(), lanes.end(),
                             [&](const std::weak_ptr<ComputeLane::State>& w) {
                               auto p = w.lock();
                               return !p || p == s;
                             }),
              lanes.end());
}

void stop_lane(ComputeLane::State& s) {
  std::unique_lock<std::mutex> lock(s.mutex);
  s.stopped = true;
  s.queue.clear();
  s.cv.notify_all();
  s.cv.wait(lock, [&] { return !s.busy; });
}

ComputeLane& shared_thread() {
  static auto* lane = new ComputeLane();  // intentionally leaked, never closed
  return *lane;
}

}  // namespace

ComputeLane::ComputeLane() : state_(std::make_shared<State>()) {
  {
    std::lock_guard<std::mutex> lock(registry().mutex);
    registry().lanes.push_back(state_);
  }
  std::thread(lane_loop, state_).detach();
}

ComputeLane::~ComputeLane() { close(); }

void ComputeLane::post(std::function<void()> job) {
  {
    std::lock_guard<std::mutex> lock(state_->mutex);
    if (state_->stopped || state_->closed) return;  // the process is exiting, or the lane is done
    state_->queue.push_back(std::move(job));
  }
  state_->cv.notify_all();
}

void ComputeLane::close() {
  {
    std::lock_guard<std::mutex> lock(state_->mutex);
    state_->closed = true;
  }
  state_->cv.notify_all();
}

void post_to_compute_thread(std::function<void()> job) { shared_thread().post(std::move(job)); }

namespace {
std::atomic<bool> stopping{false};
}

bool compute_stopping() { return stopping.load(); }

void stop_compute_thread() {
  stopping = true;
  shared_thread();  // exists before the registry is read
  std::vector<std::shared_ptr<ComputeLane::State>> lanes;
  {
    std::lock_guard<std::mutex> lock(registry().mutex);
    for (auto& w : registry().lanes)
      if (auto p = w.lock()) lanes.push_back(p);
  }
  for (auto& s : lanes) stop_lane(*s);
}

}  // namespace ser_napi
