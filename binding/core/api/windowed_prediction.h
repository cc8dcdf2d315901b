// Emotion over time for recordings of any length: the file is decoded a block at a time
// (audio/stream_decoder.h), cut into windows, and the windows run through the model in batches.
// Memory follows the batch (batch_size windows), not the file.
//
// The windows, at the model's rate R, with W = round(windowSeconds * R) and H = round(hopSeconds * R)
// samples, for a file of N samples (after resampling):
//  - window k covers samples [k*H, k*H + W): it starts at k*H / R seconds and ends at (k*H + W) / R;
//  - every window that fits whole is predicted (k*H + W <= N);
//  - the tail: when samples remain after the last whole window (or the file is shorter than W),
//    one more window starts at the next hop, k*H, and ends at the file's end N; it covers all the
//    remaining samples. It is predicted as its own, shorter window when it has at least the
//    model's minimum input (min_samples), else dropped, and the samples no window covers are
//    reported (uncovered_samples(); always fewer than min_samples);
//  - a file with no window at all (N < min_samples) is ser::Error(Input) naming the file.
// Each window is prepared as predict() prepares a clip (normalised on its own), so a window's
// numbers equal predict() on the same samples.
#pragma once
#include <cstddef>
#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "api/ser_model.h"

namespace ser {

namespace audio {
class StreamDecoder;
}

struct WindowOptions {
  double window_seconds = 4;
  double hop_seconds = 4;
  int batch_size = 1;  // lib/predict-long.ts chooses per device
};

// Limits of the options: beyond them one batch would not be "bounded".
constexpr double kMaxWindowSeconds = 600;
constexpr int kMaxWindowBatch = 1024;

struct WindowPlan {
  int64_t window = 0;  // W samples
  int64_t hop = 0;     // H samples
};

// Checks the options against the model (rate, minimum input): ser::Error(Input) naming
// windowSeconds, hopSeconds or batchSize.
WindowPlan plan_windows(const WindowOptions& options, int sample_rate, int64_t min_samples);

struct Window {
  int64_t start = 0, end = 0;  // samples [start, end) of the file at the model's rate
  std::vector<float> samples;
};

// Cuts a sample source into the windows above; keeps only the samples of the window being cut.
class WindowCutter {
 public:
  // Appends up to `max` samples to `out`, returns how many; 0 only at the end. May throw.
  using Source = std::function<std::size_t(std::vector<float>& out, std::size_t max)>;
  WindowCutter(Source source, WindowPlan plan, int64_t min_samples);

  // The next window, in order; false once there is none left.
  bool next(Window& window);
  bool finished() const { return finished_; }
  int64_t samples_read() const { return buffer_start_ + static_cast<int64_t>(buffer_.size()); }  // N once finished
  int64_t uncovered_samples() const { return uncovered_; }                                       // once finished
  int64_t windows_cut() const { return next_index_ + (tail_cut_ ? 1 : 0); }

 private:
  Source source_;
  WindowPlan plan_;
  int64_t min_samples_;
  std::vector<float> buffer_;  // samples [buffer_start_, buffer_start_ + size)
  int64_t buffer_start_ = 0;
  int64_t next_index_ = 0;  // k of the next whole window
  int64_t covered_end_ = 0;
  int64_t uncovered_ = 0;
  bool source_done_ = false, tail_cut_ = false, finished_ = false;
};

struct WindowResult {
  int64_t start = 0, end = 0;  // samples at the model's rate
  std::vector<float> values;   // the model's outputs (its labels' order)
};

// A file's windows through a model with a head, a batch per call.
class WindowedPrediction {
 public:
  // Opens the file: ser::Error(Audio) naming it when it cannot be read; Input for bad options;
  // NoHead for a model without an emotion head.
  WindowedPrediction(std::shared_ptr<SerModel> model, const std::string& path, const WindowOptions& options);
  ~WindowedPrediction();

  // The next batch_size windows' results (fewer at the end), in order; empty once finished.
  std::vector<WindowResult> next_batch();
  bool finished() const;
  int sample_rate() const { return rate_; }
  const WindowPlan& plan() const { return plan_; }
  int64_t samples_read() const;       // the file's length N once finished
  int64_t uncovered_samples() const;  // once finished: the dropped tail's samples past the last window

 private:
  std::shared_ptr<SerModel> model_;
  std::string path_;
  int rate_ = 0;
  int batch_size_ = 1;
  int64_t min_samples_ = 0;
  WindowPlan plan_;
  std::unique_ptr<audio::StreamDecoder> decoder_;
  std::unique_ptr<WindowCutter> cutter_;
};

}  // namespace ser
