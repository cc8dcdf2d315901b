#include "api/windowed_prediction.h"

#include <cmath>
#include <cstdio>

#include "audio/stream_decoder.h"
#include "error.h"

namespace ser {
namespace {

std::string number_text(double v) {
  char buf[32];
  std::snprintf(buf, sizeof buf, "%.10g", v);
  return buf;
}

[[noreturn]] void option_error(const std::string& option, const std::string& what) {
  throw Error(ErrorCode::Input, "'" + option + "' " + what);
}

std::string too_short(int64_t have, int rate, int64_t need) {
  return std::to_string(have) + " samples at " + std::to_string(rate) + " Hz, the model needs at least " +
         std::to_string(need) + " (" + number_text(1000.0 * static_cast<double>(need) / rate) + " ms)";
}

}  // namespace

WindowPlan plan_windows(const WindowOptions& o, int rate, int64_t min_samples) {
  if (!(std::isfinite(o.window_seconds) && o.window_seconds > 0 && o.window_seconds <= kMaxWindowSeconds))
    option_error("windowSeconds", "must be a finite number in (0, " + number_text(kMaxWindowSeconds) + "], got " +
                                      number_text(o.window_seconds));
  if (!(std::isfinite(o.hop_seconds) && o.hop_seconds > 0))
    option_error("hopSeconds", "must be a finite number > 0, got " + number_text(o.hop_seconds));
  if (o.hop_seconds > o.window_seconds)
    option_error("hopSeconds", number_text(o.hop_seconds) + " is longer than 'windowSeconds' " +
                                   number_text(o.window_seconds) + ": the windows would leave gaps");
  if (o.batch_size < 1 || o.batch_size > kMaxWindowBatch)
    option_error("batchSize", "must be an integer in [1, " + std::to_string(kMaxWindowBatch) + "], got " +
                                  std::to_string(o.batch_size));
  WindowPlan plan;
  plan.window = std::llround(o.window_seconds * rate);
  plan.hop = std::llround(o.hop_seconds * rate);
  if (plan.window < min_samples)
    option_error("windowSeconds", number_text(o.window_seconds) + " is shorter than the model's minimum input: " +
                                      too_short(plan.window, rate, min_samples));
  if (plan.hop < 1)
    option_error("hopSeconds",
                 number_text(o.hop_seconds) + " is less than one sample at " + std::to_string(rate) + " Hz");
  return plan;
}

WindowCutter::WindowCutter(Source source, WindowPlan plan, int64_t min_samples)
    : source_(std::move(source)), plan_(plan), min_samples_(min_samples) {
  if (plan_.window < 1 || plan_.hop < 1 || plan_.hop > plan_.window)
    throw Error(ErrorCode::Input, "window plan: need 1 <= hop <= window samples (got window " +
                                      std::to_string(plan_.window) + ", hop " + std::to_string(plan_.hop) + ")");
}

bool WindowCutter::next(Window& w) {
  if (finished_) return false;
  const int64_t start = next_index_ * plan_.hop;
  const int64_t end = start + plan_.window;
  while (!source_done_ && samples_read() < end) {
    if (source_(buffer_, static_cast<std::size_t>(end - samples_read())) == 0) source_done_ = true;
  }
  const int64_t have = samples_read();
  const int64_t stop = std::min(end, have);
  if (stop < end) {
    // The source is exhausted: at most one shorter window (the tail), then nothing.
    finished_ = true;
    if (have <= covered_end_) return false;
    if (have - start < min_samples_) {
      uncovered_ = have - covered_end_;
      return false;
    }
    tail_cut_ = true;
  }
  w.start = start;
  w.end = stop;
  w.samples.assign(buffer_.begin() + (start - buffer_start_), buffer_.begin() + (stop - buffer_start_));
  covered_end_ = stop;
  if (!finished_) {
    ++next_index_;
    // The next window starts at most where this one ended (hop <= window): keep from there.
    const int64_t keep_from = next_index_ * plan_.hop;
    buffer_.erase(buffer_.begin(), buffer_.begin() + (keep_from - buffer_start_));
    buffer_start_ = keep_from;
  }
  return true;
}

WindowedPrediction::WindowedPrediction(std::shared_ptr<SerModel> model, const std::string& path,
                                       const WindowOptions& options)
    : model_(std::move(model)), path_(path) {
  if (!model_) throw Error(ErrorCode::Input, "windowed prediction: no model");
  const ModelDescription& d = model_->description();
  if (!d.has_head)
    throw Error(ErrorCode::NoHead,
                "this model has no emotion head (a backbone checkpoint): use embed() or hiddenStates(), or fine-tune "
                "it with train()");
  rate_ = d.sampling_rate;
  min_samples_ = d.min_samples;
  batch_size_ = options.batch_size;
  plan_ = plan_windows(options, rate_, min_samples_);  // before the file is opened
  decoder_ = std::make_unique<audio::StreamDecoder>(path, rate_);
  audio::StreamDecoder* decoder = decoder_.get();
  cutter_ = std::make_unique<WindowCutter>(
      [decoder](std::vector<float>& out, std::size_t max) { return decoder->read(out, max); }, plan_, min_samples_);
}

WindowedPrediction::~WindowedPrediction() = default;

std::vector<WindowResult> WindowedPrediction::next_batch() {
  std::vector<WindowResult> out;
  std::vector<AudioInput> inputs;
  Window w;
  while (static_cast<int>(inputs.size()) < batch_size_ && cutter_->next(w)) {
    WindowResult r;
    r.start = w.start;
    r.end = w.end;
    out.push_back(std::move(r));
    AudioInput in;
    in.samples = std::move(w.samples);
    in.sample_rate = rate_;
    inputs.push_back(std::move(in));
    w = Window{};
  }
  if (cutter_->finished() && cutter_->windows_cut() == 0)
    throw Error(ErrorCode::Input,
                path_ + ": audio is too short: " + too_short(cutter_->samples_read(), rate_, min_samples_));
  if (inputs.empty()) return out;
  std::vector<ItemResult> results = model_->run(inputs, OutputKind::Predictions, batch_size_);
  for (std::size_t i = 0; i < out.size(); ++i) out[i].values = std::move(results[i].values);
  return out;
}

bool WindowedPrediction::finished() const { return cutter_->finished(); }
int64_t WindowedPrediction::samples_read() const { return cutter_->samples_read(); }
int64_t WindowedPrediction::uncovered_samples() const { return cutter_->uncovered_samples(); }

}  // namespace ser
