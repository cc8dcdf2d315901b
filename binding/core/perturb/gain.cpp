#include "perturb/gain.h"

#include <cmath>

namespace ser::perturb {

void apply_gain_db(std::vector<float>& x, double db) {
  const double g = std::pow(10.0, db / 20.0);
  for (float& v : x) v = static_cast<float>(v * g);
}

}  // namespace ser::perturb
