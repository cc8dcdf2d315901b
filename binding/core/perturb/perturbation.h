// One robustness perturbation, ready to apply to many inputs: parsed and checked once, applied
// per input with random numbers keyed by (seed, key) (seeded_rng.h), so an input's perturbed
// audio depends only on the spec, the seed, its key and its samples: not on order, batching or
// chunking. The key of a file is its path as given, of raw samples "#<index>" in their call.
// Every draw (noise clip and start, segment, tone frequency and phase, level) uses the same
// stream for a given (seed, key): the noise conditions at 0, 10 and 20 dB mix the same noise.
#pragma once
#include <cstdint>
#include <string>
#include <vector>

#include "perturb/perturbation_spec.h"

namespace ser::perturb {

class Perturbation {
 public:
  // ser::Error(ErrorCode::Input) naming the field; no file is opened.
  static Perturbation parse(const std::string& json_text);

  const Spec& spec() const { return spec_; }

  // Checks that the noise clips exist and have audio headers (ser::Error(ErrorCode::Audio) naming
  // the file), so a bad clip list fails before any input is processed.
  void check_files() const;

  // The perturbed copy of `samples` at `sample_rate` Hz (1000..384000; not empty, finite:
  // ser::Error(ErrorCode::Input) otherwise, and for a cutoff or tone frequency at or above half
  // the rate). A noise clip that cannot be decoded: ser::Error(ErrorCode::Audio) naming it.
  std::vector<float> apply(std::vector<float> samples, double sample_rate, uint64_t seed, const std::string& key) const;

 private:
  Spec spec_;
};

}  // namespace ser::perturb
