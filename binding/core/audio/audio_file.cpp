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
#include "error.h"

namespace ser::audio {
namespace {

Error audio_error(const std::string& path, const std::string& cause) {
  return Error(ErrorCode::Audio, path + ": " + cause);
}

// libsndfile's open error is a bare "Format not recognised"; say first whether the file is there at all.
[[noreturn]] void throw_open_error(const std::string& path) {
  const std::string lib = sf_strerror(nullptr);
  std::error_code ec;
  const auto st = std::filesystem::status(path, ec);
  if (!std::filesystem::exists(st)) throw audio_error(path, "no such file");
  if (std::filesystem::is_directory(st)) throw audio_error(path, "is a directory, not an audio file");
  if (std::filesystem::is_regular_file(st) && std::filesystem::file_size(path, ec) == 0 && !ec)
    throw audio_error(path, "contains no samples (the file is empty)");
  throw audio_error(path, "cannot read audio: " + lib);
}

// libsndfile silently clamps a WAV data chunk that claims more bytes than the file holds and only
// logs "data : <claimed> (should be <actual>)". Such a file was cut short (partial copy/download),
// so it is rejected rather than half-read. 0xFFFFFFFF is the size streaming writers leave behind
// when they never patch the header; those files are whole and are read to EOF.
void check_truncated(SNDFILE* f, const std::string& path) {
  char log[4096] = {0};
  sf_command(f, SFC_GET_LOG_INFO, log, sizeof log);
  const std::string text(log);
  for (std::size_t pos = 0; pos < text.size();) {
    const std::size_t eol = text.find('\n', pos);
    const std::string line = text.substr(pos, eol == std::string::npos ? std::string::npos : eol - pos);
    pos = eol == std::string::npos ? text.size() : eol + 1;
    long long claimed = 0, actual = 0;
    if (std::sscanf(line.c_str(), "data : %lld (should be %lld)", &claimed, &actual) == 2 && claimed > actual &&
        claimed != 0xFFFFFFFFLL)
      throw audio_error(path, "is truncated: the header claims " + std::to_string(claimed) +
                                  " bytes of audio data, the file holds " + std::to_string(actual));
  }
}

// SF_FORMAT_MPEG, spelled out so headers older than libsndfile 1.1 (no MP3) still compile.
constexpr int kFormatMpeg = 0x230000;

struct SndfileCloser {
  void operator()(SNDFILE* f) const { sf_close(f); }
};

}  // namespace

DecodedAudio decode_file(const std::string& path) {
  require_regular_file(path);
  SF_INFO info{};
  std::unique_ptr<SNDFILE, SndfileCloser> file(sf_open(path.c_str(), SFM_READ, &info));
  if (!file) throw_open_error(path);
  check_header(path, info.samplerate, info.channels);
  check_truncated(file.get(), path);

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
