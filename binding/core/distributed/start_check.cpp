#include "distributed/start_check.h"

#include <ATen/ATen.h>

#include "error.h"

namespace ser::distributed {

uint64_t fingerprint(const std::string& bytes, uint64_t h) {
  for (unsigned char c : bytes) {
    h ^= c;
    h *= 1099511628211ULL;
  }
  return h;
}

void check_same_start(Group& group, bool ready, const Fingerprints& fingerprints, size_t count) {
  auto mine = at::zeros({static_cast<int64_t>(count + 1)}, at::kLong);
  mine[0] = ready ? 1 : 0;
  for (size_t k = 0; k < fingerprints.size() && k < count; ++k)
    mine[static_cast<int64_t>(k + 1)] = static_cast<int64_t>(fingerprints[k].second);
  auto all = group.all_gather(mine);
  auto a = all.accessor<int64_t, 2>();
  if (!ready) return;
  for (int r = 0; r < group.size(); ++r)
    if (a[r][0] == 0)
      throw Error(ErrorCode::Input, "train: distributed rank " + std::to_string(r) +
                                        " could not start (its own error says why); rank " +
                                        std::to_string(group.rank()) + " stops too");
  for (int r = 1; r < group.size(); ++r)
    for (size_t k = 0; k < count; ++k)
      if (a[r][static_cast<int64_t>(k + 1)] != a[0][static_cast<int64_t>(k + 1)])
        throw Error(ErrorCode::Input, "train: distributed rank " + std::to_string(r) + "'s " + fingerprints[k].first +
                                          " differ from rank 0's: every rank must train the same model on the same "
                                          "manifests with the same options");
}

}  // namespace ser::distributed
