// An audio file decoded a block at a time, for recordings too long to hold: libsndfile reads
// frames, channels are averaged (downmix()), libsoxr's streaming resampler brings them to the
// target rate. Memory is a block or two whatever the file's length. The samples are load_mono()'s
// (same downmix, same resampler and quality, same length rule round(frames * target / source)):
// soxr's output does not depend on how its input is cut into blocks (tested).
#pragma once
#include <cstddef>
#include <cstdint>
#include <memory>
#include <string>
#include <vector>

namespace ser::audio {

class StreamDecoder {
 public:
  // Opens `path` (ser::Error(ErrorCode::Audio) naming it when it cannot be read as audio).
  StreamDecoder(const std::string& path, int target_rate);
  ~StreamDecoder();
  StreamDecoder(const StreamDecoder&) = delete;
  StreamDecoder& operator=(const StreamDecoder&) = delete;

  // Appends up to `max` samples at the target rate to `out`; returns how many, 0 only at the end.
  // A file that fails part-way (a damaged or cut stream, NaN samples) is ser::Error(Audio) naming
  // the file and the position in seconds; one without any sample too.
  std::size_t read(std::vector<float>& out, std::size_t max);

  const std::string& path() const;
  int source_rate() const;
  int channels() const;
  int target_rate() const;
  double header_seconds() const;   // the header's length; 0 when it does not say
  int64_t frames_decoded() const;  // source frames decoded so far

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

}  // namespace ser::audio
