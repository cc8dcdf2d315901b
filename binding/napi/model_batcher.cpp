#include "model_batcher.h"

#include <algorithm>
#include <exception>
#include <string>

#include "errors.h"
#include "option_reader.h"
#include "run_worker.h"

namespace ser_napi {

std::optional<BatchingOptions> read_batching(const Napi::Value& load_options) {
  Napi::Value v = OptionReader(load_options, "loadModel").raw("batching");
  if (v.IsUndefined() || v.IsNull()) return std::nullopt;
  if (v.IsBoolean()) {
    if (!v.As<Napi::Boolean>().Value()) return std::nullopt;
    return BatchingOptions{};
  }
  OptionReader r(v, "loadModel: batching");
  BatchingOptions o;
  o.max_delay_ms = r.number("maxDelayMs", o.max_delay_ms, 0, 60000);
  o.max_batch_seconds = r.number("maxBatchSeconds", o.max_batch_seconds, 0.001, 86400);
  o.max_batch_size = static_cast<int>(r.integer("maxBatchSize", o.max_batch_size, 1, 65536));
  return o;
}

Napi::Object batching_to_js(Napi::Env env, const BatchingOptions& options) {
  auto o = Napi::Object::New(env);
  o.Set("maxDelayMs", options.max_delay_ms);
  o.Set("maxBatchSeconds", options.max_batch_seconds);
  o.Set("maxBatchSize", options.max_batch_size);
  return o;
}

ModelBatcher::ModelBatcher(std::shared_ptr<ComputeLane> lane, BatchingOptions options, int sample_rate)
    : lane_(std::move(lane)), options_(options), sample_rate_(sample_rate) {}

void ModelBatcher::submit(RunWorker* call) {
  double seconds = 0;
  for (const auto& in : call->inputs())
    if (in.path.empty() && in.sample_rate > 0) seconds += static_cast<double>(in.samples.size()) / in.sample_rate;
  bool post = false;
  {
    std::lock_guard<std::mutex> lock(mutex_);
    pending_.push_back({call, Clock::now(), call->inputs().size(), seconds});
    pending_items_ += call->inputs().size();
    pending_seconds_ += seconds;
    post = !draining_;
    draining_ = true;
  }
  arrived_.notify_all();
  if (post) lane_->post([self = shared_from_this()] { self->drain(); });
}

ModelBatcher::Stats ModelBatcher::stats() {
  std::lock_guard<std::mutex> lock(mutex_);
  return stats_;
}

bool ModelBatcher::full() const {
  return pending_items_ >= static_cast<size_t>(options_.max_batch_size) ||
         pending_seconds_ >= options_.max_batch_seconds;
}

void ModelBatcher::drain() {
  while (true) {
    std::vector<RunWorker*> group;
    {
      std::unique_lock<std::mutex> lock(mutex_);
      if (pending_.empty()) {
        draining_ = false;
        return;
      }
      // Others may still join until the oldest call has waited max_delay (no wait when it has
      // already waited that long behind the previous group), or the group is full.
      const auto deadline =
          pending_.front().arrival +
          std::chrono::duration_cast<Clock::duration>(std::chrono::duration<double, std::milli>(options_.max_delay_ms));
      // In slices, so a process that exits never waits out a long maxDelayMs here.
      while (!full() && !compute_stopping() && Clock::now() < deadline)
        arrived_.wait_until(lock, std::min(deadline, Clock::now() + std::chrono::milliseconds(10)));
      if (compute_stopping()) {
        draining_ = false;
        return;  // the process is exiting: nobody will read these calls' results
      }
      group = take(lock);
    }
    run_group(group);
  }
}

std::vector<RunWorker*> ModelBatcher::take(std::unique_lock<std::mutex>&) {
  std::vector<RunWorker*> group;
  size_t items = 0;
  double seconds = 0;
  while (!pending_.empty()) {
    const Pending& p = pending_.front();
    const bool fits = items + p.items <= static_cast<size_t>(options_.max_batch_size) &&
                      seconds + p.known_seconds <= options_.max_batch_seconds;
    if (!group.empty() && !fits) break;  // a call larger than the caps still goes, alone
    group.push_back(p.call);
    items += p.items;
    seconds += p.known_seconds;
    pending_items_ -= p.items;
    pending_seconds_ -= p.known_seconds;
    pending_.pop_front();
  }
  if (pending_.empty()) pending_seconds_ = 0;  // no rounding drift
  stats_.calls += static_cast<double>(group.size());
  stats_.groups += 1;
  stats_.largest_group = std::max(stats_.largest_group, static_cast<double>(group.size()));
  return group;
}

void ModelBatcher::run_group(const std::vector<RunWorker*>& group) {
  // Every call of one handle holds the same model.
  std::shared_ptr<ser::SerModel> model = group.front()->model();
  std::vector<ser::SerModel::PreparedCall> calls;
  std::vector<RunWorker*> decoded;
  for (RunWorker* w : group) {
    // Each call decoded on its own: a bad input fails its own call only.
    w->Attempt([&] {
      model->check_output(w->kind());
      ser::SerModel::PreparedCall c;
      c.waves = model->prepare(w->inputs());
      c.kind = w->kind();
      calls.push_back(std::move(c));
      decoded.push_back(w);
    });
    w->release();
  }
  if (!calls.empty()) {
    ser::SerModel::PassLimits limits;
    limits.max_items = options_.max_batch_size;
    limits.max_padded_samples = static_cast<int64_t>(options_.max_batch_seconds * sample_rate_);
    std::exception_ptr error;
    std::vector<std::vector<ser::ItemResult>> results;
    try {
      results = model->run_prepared(std::move(calls), limits);
    } catch (...) {
      error = std::current_exception();  // the shared passes failed: every call in them gets the error
    }
    for (size_t k = 0; k < decoded.size(); ++k) {
      if (error) decoded[k]->Attempt([&] { std::rethrow_exception(error); });
      else decoded[k]->set_results(std::move(results[k]));
    }
  }
  model.reset();  // before the calls settle: the JS thread never frees the model
  for (RunWorker* w : group) w->Finish();
}

}  // namespace ser_napi
