// WAV files written by hand for the streaming tests, so that they depend on nothing but the decoder
// they test: 32-bit float or 16-bit PCM, interleaved channels.
#pragma once
#include <cmath>
#include <cstdint>
#include <fstream>
#include <string>
#include <vector>

namespace ser_test {

// `interleaved` holds frames x channels samples; pcm16 rounds them to 16 bits (clipped to [-1, 1)).
inline void write_test_wav(const std::string& path, const std::vector<float>& interleaved, int rate, int channels = 1,
                           bool pcm16 = false) {
  std::ofstream f(path, std::ios::binary);
  auto u32 = [&](uint32_t v) { f.write(reinterpret_cast<const char*>(&v), 4); };
  auto u16 = [&](uint16_t v) { f.write(reinterpret_cast<const char*>(&v), 2); };
  const uint16_t width = pcm16 ? 2 : 4;
  const uint32_t bytes = static_cast<uint32_t>(interleaved.size() * width);
  f.write("RIFF", 4);
  u32(36 + bytes);
  f.write("WAVEfmt ", 8);
  u32(16);
  u16(pcm16 ? 1 : 3);  // PCM or IEEE float
  u16(static_cast<uint16_t>(channels));
  u32(static_cast<uint32_t>(rate));
  u32(static_cast<uint32_t>(rate * channels * width));
  u16(static_cast<uint16_t>(channels * width));
  u16(static_cast<uint16_t>(8 * width));
  f.write("data", 4);
  u32(bytes);
  if (!pcm16) {
    f.write(reinterpret_cast<const char*>(interleaved.data()), bytes);
    return;
  }
  for (float v : interleaved) {
    const double s = std::round(std::fmax(-1.0, std::fmin(32767.0 / 32768.0, v)) * 32768.0);
    u16(static_cast<uint16_t>(static_cast<int16_t>(s)));
  }
}

// Deterministic noise-like test audio in [-0.5, 0.5] (a linear congruential generator), with a slow
// amplitude swell so that windows differ from each other.
inline std::vector<float> test_signal(std::size_t count, uint32_t seed = 1) {
  std::vector<float> v(count);
  uint32_t x = seed;
  for (std::size_t i = 0; i < count; ++i) {
    x = x * 1664525u + 1013904223u;
    const double noise = static_cast<double>(x >> 8) / 16777216.0 - 0.5;
    v[i] = static_cast<float>(noise * (0.3 + 0.7 * std::fabs(std::sin(static_cast<double>(i) * 1e-4))));
  }
  return v;
}

}  // namespace ser_test
