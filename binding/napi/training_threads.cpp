#include "training_threads.h"

#include <cstdlib>
#include <map>
#include <mutex>
#include <thread>

namespace ser_napi {
namespace {

struct Entry {
  napi_env env = nullptr;
  std::shared_ptr<std::atomic<bool>> abort, silenced;
  std::thread thread;
};

std::mutex g_mutex;
std::map<uint64_t, Entry>& entries() {
  static auto* m = new std::map<uint64_t, Entry>();  // leaked: the atexit handler uses it
  return *m;
}
uint64_t g_next_id = 1;
std::atomic<bool> g_exiting{false};

// Takes the entry out of the table (under the lock) and joins it (outside: the thread may need
// the lock to finish... it does not, but joining under a lock is a deadlock waiting to happen).
void abort_and_join(uint64_t id, bool silence = true) {
  Entry e;
  {
    std::lock_guard<std::mutex> lock(g_mutex);
    auto it = entries().find(id);
    if (it == entries().end()) return;
    e = std::move(it->second);
    entries().erase(it);
  }
  if (silence) e.silenced->store(true);
  e.abort->store(true);
  if (e.thread.joinable()) e.thread.join();
}

void on_env_cleanup(void* arg) { abort_and_join(reinterpret_cast<uintptr_t>(arg)); }

void on_process_exit() {
  g_exiting = true;
  std::vector<uint64_t> ids;
  {
    std::lock_guard<std::mutex> lock(g_mutex);
    for (auto& [id, e] : entries()) ids.push_back(id);
  }
  for (uint64_t id : ids) abort_and_join(id);
}

}  // namespace

uint64_t start_training_thread(Napi::Env env, std::shared_ptr<std::atomic<bool>> abort,
                               std::shared_ptr<std::atomic<bool>> silenced, std::function<void()> body) {
  static std::once_flag registered;
  std::call_once(registered, [] { std::atexit(on_process_exit); });
  std::lock_guard<std::mutex> lock(g_mutex);
  const uint64_t id = g_next_id++;
  Entry& e = entries()[id];
  e.env = env;
  e.abort = std::move(abort);
  e.silenced = std::move(silenced);
  e.thread = std::thread(std::move(body));
  napi_add_env_cleanup_hook(env, on_env_cleanup, reinterpret_cast<void*>(static_cast<uintptr_t>(id)));
  return id;
}

void finish_training_thread(uint64_t id) {
  napi_env env = nullptr;
  {
    std::lock_guard<std::mutex> lock(g_mutex);
    auto it = entries().find(id);
    if (it == entries().end()) return;
    env = it->second.env;
  }
  napi_remove_env_cleanup_hook(env, on_env_cleanup, reinterpret_cast<void*>(static_cast<uintptr_t>(id)));
  abort_and_join(id, /*silence=*/false);  // it sent its last message: it releases and returns
}

void stop_training_threads(Napi::Env env) {
  std::vector<uint64_t> ids;
  {
    std::lock_guard<std::mutex> lock(g_mutex);
    for (auto& [id, e] : entries())
      if (e.env == static_cast<napi_env>(env)) ids.push_back(id);
  }
  for (uint64_t id : ids) {
    napi_remove_env_cleanup_hook(env, on_env_cleanup, reinterpret_cast<void*>(static_cast<uintptr_t>(id)));
    abort_and_join(id);
  }
}

bool training_threads_exiting() { return g_exiting.load(); }

}  // namespace ser_napi
