#include "perturb/length_edits.h"

#include <algorithm>

namespace ser::perturb {

void append_zeros(std::vector<float>& x, std::size_t count) { x.resize(x.size() + count, 0.0f); }

void crop_start(std::vector<float>& x, std::size_t count) {
  if (x.empty()) return;
  const std::size_t n = std::min(count, x.size() - 1);
  x.erase(x.begin(), x.begin() + static_cast<std::ptrdiff_t>(n));
}

}  // namespace ser::perturb
