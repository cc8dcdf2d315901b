// What a decoded file's header must say before anything is allocated or waited for. The same
// rate bounds as raw samples (preprocess/waveform.cpp): a WAV claiming 1 Hz asked libsoxr for
// ~256 M output samples per input second; a FIFO with no writer blocked the compute thread.
#pragma once
#include <filesystem>
#include <string>

#include "error.h"

namespace ser::audio {

constexpr int kMinFileRate = 1000, kMaxFileRate = 384000;
constexpr int kMaxFileChannels = 1024;  // libsndfile's own limit

// Refuses FIFOs, devices and sockets before decoding (opening a FIFO waits for a writer).
inline void require_regular_file(const std::string& path) {
  std::error_code ec;
  const auto st = std::filesystem::status(path, ec);
  if (!ec && std::filesystem::exists(st) && !std::filesystem::is_regular_file(st) && !std::filesystem::is_directory(st))
    throw Error(ErrorCode::Audio, path + ": is not a regular file (a FIFO, device or socket); only files are read");
}

inline void check_header(const std::string& path, long long sample_rate, long long channels) {
  if (sample_rate < kMinFileRate || sample_rate > kMaxFileRate)
    throw Error(ErrorCode::Audio, path + ": the header's sample rate " + std::to_string(sample_rate) +
                                      " Hz is outside " + std::to_string(kMinFileRate) + ".." +
                                      std::to_string(kMaxFileRate) + " Hz");
  if (channels < 1 || channels > kMaxFileChannels)
    throw Error(ErrorCode::Audio, path + ": the header's channel count " + std::to_string(channels) +
                                      " is outside 1.." + std::to_string(kMaxFileChannels));
}

}  // namespace ser::audio
