#include "perturb/builtin_noise.h"

namespace ser::perturb {

std::vector<float> white_noise(std::size_t n, SeededRng& rng) {
  std::vector<float> out(n);
  for (auto& v : out) v = static_cast<float>(rng.normal());
  return out;
}

std::vector<float> pink_noise(std::size_t n, SeededRng& rng) {
  // The slowest pole (0.99886) has a time constant of ~880 samples: 8192 settle it.
  constexpr std::size_t kWarmUp = 8192;
  double b0 = 0, b1 = 0, b2 = 0, b3 = 0, b4 = 0, b5 = 0, b6 = 0;
  std::vector<float> out(n);
  for (std::size_t i = 0; i < n + kWarmUp; ++i) {
    const double w = rng.normal();
    b0 = 0.99886 * b0 + w * 0.0555179;
    b1 = 0.99332 * b1 + w * 0.0750759;
    b2 = 0.96900 * b2 + w * 0.1538520;
    b3 = 0.86650 * b3 + w * 0.3104856;
    b4 = 0.55000 * b4 + w * 0.5329522;
    b5 = -0.7616 * b5 - w * 0.0168980;
    const double pink = b0 + b1 + b2 + b3 + b4 + b5 + b6 + w * 0.5362;
    b6 = w * 0.115926;
    if (i >= kWarmUp) out[i - kWarmUp] = static_cast<float>(pink);
  }
  return out;
}

}  // namespace ser::perturb
