// outDir/metrics.jsonl: one JSON line per dev evaluation (step, epoch, mean training loss since the
// previous evaluation, dev CCC per dimension) — the convergence curve a report draws. Append-only:
// a resumed run appends again from its checkpoint's step, so a reader keeps the last line per step.
#pragma once
#include <string>
#include <vector>

namespace ser::train {

struct MetricsLine {
  int64_t step = 0;
  int64_t epoch = 0;
  double train_loss = 0;  // NaN when no step ran since the previous evaluation (written as null)
  std::vector<std::string> dimensions;
  std::vector<double> dev_ccc;
  double dev_ccc_mean = 0;
};

// One write(2) on an O_APPEND descriptor: a crash leaves whole lines. Throws ErrorCode::Io.
void append_metrics(const std::string& out_dir, const MetricsLine& line);

// At a run's start: a fresh run removes an earlier run's metrics.jsonl; a resume keeps the lines
// up to the step it resumes from (later ones are the interrupted run's, about to be redone).
void start_metrics(const std::string& out_dir, bool resume, int64_t resume_step);

}  // namespace ser::train
