// The check every rank makes before the first step: all of them started (one that failed to
// prepare says so to the others instead of leaving them waiting) and all of them run the same
// thing (options, model, manifests, resume point), compared as named 64-bit fingerprints.
#pragma once
#include <cstdint>
#include <string>
#include <utility>
#include <vector>

#include "distributed/process_group.h"

namespace ser::distributed {

using Fingerprints = std::vector<std::pair<std::string, uint64_t>>;

// ready=false: this rank failed to start (it rethrows its own error after this returns).
// Throws ErrorCode::Input naming the first rank that failed or whose fingerprint differs from
// rank 0's. `fingerprints` must list the same names in the same order on every rank.
void check_same_start(Group& group, bool ready, const Fingerprints& fingerprints, size_t count);

// FNV-1a, 64 bits: stable across processes and machines (std::hash is not).
uint64_t fingerprint(const std::string& bytes, uint64_t seed = 1469598103934665603ULL);

}  // namespace ser::distributed
