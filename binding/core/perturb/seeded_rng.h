// The random numbers of one perturbation of one input, keyed by (seed, key): the same file gets
// the same noise clip, offset and segment whatever order, batch or chunk it is processed in.
// Own generator and conversions (xoshiro256**, 53-bit uniforms, Box-Muller normals), because the
// standard library's distributions differ between implementations.
#pragma once
#include <cstddef>
#include <cstdint>
#include <string>

namespace ser::perturb {

class SeededRng {
 public:
  SeededRng(uint64_t seed, const std::string& key);

  uint64_t next();
  double uniform();                      // [0, 1)
  double uniform(double lo, double hi);  // [lo, hi)
  std::size_t index(std::size_t n);      // [0, n); 0 when n is 0
  double normal();                       // mean 0, variance 1

 private:
  uint64_t s_[4];
};

}  // namespace ser::perturb
