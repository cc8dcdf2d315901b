// The native threads that train() starts. None may outlive the environment or run libtorch
// while the process exits: an environment cleanup hook (worker exit, normal exit) and an atexit
// handler (a last resort: Node exits without tearing the environment down) raise each run's
// abort flag and join its thread; an aborted run saves outDir/last first.
#pragma once
#include <atomic>
#include <cstdint>
#include <functional>
#include <memory>

#include <napi.h>

namespace ser_napi {

// Starts `body` on a new thread (JS thread only). Returns an id for finish().
// `abort` is raised to stop it; `silenced` too when the environment is leaving, after which the
// thread must no longer call into it.
uint64_t start_training_thread(Napi::Env env, std::shared_ptr<std::atomic<bool>> abort,
                               std::shared_ptr<std::atomic<bool>> silenced, std::function<void()> body);

// JS thread, once the run's final message arrived: joins its thread and drops the cleanup hook.
void finish_training_thread(uint64_t id);

// Aborts and joins every run this environment started (JS thread). lib/ calls it from
// process.on('exit'), which Node emits before it exits for process.exit(), an uncaught exception
// or an empty loop: the only moment that is early enough, since libtorch and oneDNN register
// their static destructors lazily (after our atexit handler) and run them before it.
void stop_training_threads(Napi::Env env);

// True once the process is exiting: no thread may call into any environment.
bool training_threads_exiting();

}  // namespace ser_napi
