#include "audio/audio_file.h"

#include <sndfile.h>
#include <soxr.h>

#include <cmath>
#include <cstdio>
#include <filesystem>
#include <limits>
#include <memory>
#include <system_error>

#include "audio/header_rules.h"
#include "audio/sndfile_open.h"
#include "error.h"

namespace ser::audio {
namespace {

// SF_FORMAT_MPEG, spelled out so headers older than libsndfile 1.1 (no MP3) still compile.
constexpr int kFormatMpeg = 0x230000;

}  // namespace

DecodedAudio decode_file(const std::string& path) {
  SF_INFO info{};
  const SndfilePtr file = open_for_reading(path, info);  // regular file, header in bounds, not cut short

  DecodedAudio out;
  out.sample_rate = info.samplerate;
  out.channels = info.channels;
  // `frames` is only a hint (SF_COUNT_MAX when unknown, e.g. MP3 from a pipe; a bitrate estimate for
  // untagged MP3): read until the decoder stops and reserve only for sane values.
  if (info.frames > 0 && info.frames < (sf_count_t{1} << 31) / info.channels)
    out.samples.reserve(static_cast<std::size_t>(info.frames) * info.channels);
  const sf_count_t chunk_frames = 16384;
  std::vector<float> chunk(static_cast<std::size_t>(chunk_frames) * info.channels);
  for (;;) {
    const sf_count_t got = sf_readf_float(file.get(), chunk.data(), chunk_frames);
    if (got <= 0) break;
    out.samples.insert(out.samples.end(), chunk.begin(), chunk.begin() + got * info.channels);
  }
  // Decoders (FLAC, Vorbis, MP3) stop early on a damaged stream and leave the cause here.
  if (sf_error(file.get()) != SF_ERR_NO_ERROR)
    throw audio_error(path, std::string("cannot decode audio: ") + sf_strerror(file.get()));
  // A header length the data does not reach means a cut file. Not for MP3: without a Xing/LAME
  // tag its length is mpg123's estimate from the first frame's bitrate, which VBR files overshoot.
  const sf_count_t frames_read = static_cast<sf_count_t>(out.samples.size()) / info.channels;
  const bool mpeg = (info.format & SF_FORMAT_TYPEMASK) == kFormatMpeg;
  if (!mpeg && info.frames != SF_COUNT_MAX && frames_read < info.frames)
    throw audio_error(path, "is truncated: the header promises " + std::to_string(info.frames) + " frames, only " +
                                std::to_string(frames_read) + " could be decoded");

  if (out.samples.empty()) throw audio_error(path, "contains no samples");
  for (std::size_t i = 0; i < out.samples.size(); ++i)
    if (!std::isfinite(out.samples[i]))
      throw audio_error(path,
                        "contains NaN or infinite samples (first at frame " + std::to_string(i / info.channels) + ")");
  return out;
}

std::vector<float> downmix(const std::vector<float>& interleaved, int channels) {
  if (channels <= 0 || interleaved.size() % static_cast<std::size_t>(channels) != 0)
    throw Error(ErrorCode::Input, "downmix: " + std::to_string(interleaved.size()) + " samples do not split into " +
                                      std::to_string(channels) + " channels");
  if (channels == 1) return interleaved;
  const std::size_t frames = interleaved.size() / channels;
  std::vector<float> mono(frames);
  for (std::size_t i = 0; i < frames; ++i) {
    double sum = 0;  // double so the mean does not depend on channel order
    for (int c = 0; c < channels; ++c) sum += interleaved[i * channels + c];
    mono[i] = static_cast<float>(sum / channels);
  }
  return mono;
}

std::vector<float> resample(const float* samples, std::size_t count, double from_rate, double to_rate) {
  if (!(std::isfinite(from_rate) && from_rate > 0 && std::isfinite(to_rate) && to_rate > 0))
    throw Error(ErrorCode::Input, "resample: sample rates must be positive and finite (got " +
                                      std::to_string(from_rate) + " -> " + std::to_string(to_rate) + ")");
  if (count > 0 && samples == nullptr) throw Error(ErrorCode::Input, "resample: null input");
  if (from_rate == to_rate) return std::vector<float>(samples, samples + count);
  const double want = std::round(static_cast<double>(count) * to_rate / from_rate);
  if (count == 0 || want < 1) return {};
  if (want > static_cast<double>(std::numeric_limits<std::size_t>::max() / 2))
    throw Error(ErrorCode::Input, "resample: output too long");

  const std::size_t out_len = static_cast<std::size_t>(want);
  // Room for soxr's own rounding of the length; the result is cut (or zero-padded) to out_len.
  std::vector<float> out(out_len + 16);
  std::size_t done = 0;
  const soxr_io_spec_t io = soxr_io_spec(SOXR_FLOAT32_I, SOXR_FLOAT32_I);
  const soxr_quality_spec_t q = soxr_quality_spec(SOXR_VHQ, 0);
  const soxr_error_t err =
      soxr_oneshot(from_rate, to_rate, 1, samples, count, nullptr, out.data(), out.size(), &done, &io, &q, nullptr);
  if (err) throw Error(ErrorCode::Audio, std::string("resample: libsoxr failed: ") + err);
  out.resize(done);
  out.resize(out_len, 0.0f);
  return out;
}

std::vector<float> load_mono(const std::string& path, int target_rate) {
  if (target_rate <= 0)
    throw Error(ErrorCode::Input, "target sample rate must be positive (got " + std::to_string(target_rate) + ")");
  DecodedAudio a = decode_file(path);
  std::vector<float> mono = downmix(a.samples, a.channels);
  if (a.sample_rate == target_rate) return mono;
  return resample(mono.data(), mono.size(), a.sample_rate, target_rate);
}

}  // namespace ser::audio
