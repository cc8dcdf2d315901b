#include "perturb/seeded_rng.h"

#include <cmath>

namespace ser::perturb {
namespace {

uint64_t splitmix64(uint64_t& x) {
  uint64_t z = (x += 0x9E3779B97F4A7C15ULL);
  z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ULL;
  z = (z ^ (z >> 27)) * 0x94D049BB133111EBULL;
  return z ^ (z >> 31);
}

uint64_t fnv1a(const std::string& text) {
  uint64_t h = 0xCBF29CE484222325ULL;
  for (unsigned char c : text) {
    h ^= c;
    h *= 0x100000001B3ULL;
  }
  return h;
}

uint64_t rotl(uint64_t x, int k) { return (x << k) | (x >> (64 - k)); }

}  // namespace

SeededRng::SeededRng(uint64_t seed, const std::string& key) {
  // The seed goes through splitmix64 before it meets the key's hash, so that seeds 1 and 2 do not
  // give streams that differ only in a few bits of their state.
  uint64_t x = seed;
  uint64_t mixed = splitmix64(x) ^ fnv1a(key);
  for (auto& s : s_) s = splitmix64(mixed);
}

uint64_t SeededRng::next() {
  const uint64_t result = rotl(s_[1] * 5, 7) * 9;
  const uint64_t t = s_[1] << 17;
  s_[2] ^= s_[0];
  s_[3] ^= s_[1];
  s_[1] ^= s_[2];
  s_[0] ^= s_[3];
  s_[2] ^= t;
  s_[3] = rotl(s_[3], 45);
  return result;
}

double SeededRng::uniform() { return static_cast<double>(next() >> 11) * 0x1.0p-53; }

double SeededRng::uniform(double lo, double hi) { return lo + (hi - lo) * uniform(); }

std::size_t SeededRng::index(std::size_t n) {
  if (n == 0) return 0;
  const auto i = static_cast<std::size_t>(uniform() * static_cast<double>(n));
  return i < n ? i : n - 1;
}

double SeededRng::normal() {
  const double u1 = 1.0 - uniform();  // (0, 1]: log() stays finite
  const double u2 = uniform();
  return std::sqrt(-2.0 * std::log(u1)) * std::cos(2.0 * 3.14159265358979323846 * u2);
}

}  // namespace ser::perturb
