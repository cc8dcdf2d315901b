#include "audio/stream_decoder.h"

#include <soxr.h>

#include <algorithm>
#include <cmath>
#include <cstdio>

#include "audio/audio_file.h"
#include "audio/sndfile_open.h"
#include "error.h"

namespace ser::audio {
namespace {

constexpr sf_count_t kBlockFrames = 16384;

std::string seconds_text(int64_t frames, int rate) {
  char buf[32];
  std::snprintf(buf, sizeof buf, "%.3f s", static_cast<double>(frames) / rate);
  return buf;
}

}  // namespace

// Outside the anonymous namespace: Impl holds one (GCC warns of a member of internal linkage in a
// class the unity build includes from another file).
struct StreamDecoderSoxrDeleter {
  void operator()(soxr_t s) const { soxr_delete(s); }
};

struct StreamDecoder::Impl {
  std::string path;
  SF_INFO info{};
  SndfilePtr file;
  std::unique_ptr<struct soxr, StreamDecoderSoxrDeleter> soxr;  // null when the rates are equal
  int target_rate = 0;
  std::vector<float> block;    // interleaved frames of one read
  std::vector<float> pending;  // samples at the target rate not handed out yet
  std::size_t pending_pos = 0;
  int64_t frames_in = 0;  // source frames decoded
  int64_t emitted = 0;    // target samples handed out
  bool ended = false;     // the decoder is exhausted and `pending` holds the rest

  Error failure(const std::string& what) const {
    return Error(ErrorCode::Audio, path + ": " + what + " at " + seconds_text(frames_in, info.samplerate) + " (frame " +
                                       std::to_string(frames_in) + ")");
  }

  double ratio() const { return static_cast<double>(target_rate) / info.samplerate; }

  // Feeds mono samples (or nullptr: the end) to soxr and appends what it gives back.
  void resample_into_pending(const float* in, std::size_t count) {
    std::vector<float> out(static_cast<std::size_t>(std::ceil(count * ratio())) + 4096);
    std::size_t used_total = 0;
    for (;;) {
      std::size_t used = 0, made = 0;
      const soxr_error_t err =
          in ? soxr_process(soxr.get(), in + used_total, count - used_total, &used, out.data(), out.size(), &made)
             : soxr_process(soxr.get(), nullptr, 0, nullptr, out.data(), out.size(), &made);
      if (err) throw failure(std::string("libsoxr failed: ") + err);
      pending.insert(pending.end(), out.begin(), out.begin() + static_cast<std::ptrdiff_t>(made));
      used_total += used;
      // Input: until soxr has taken all of it. Flush: until it has nothing more to give.
      if (in ? used_total >= count && made < out.size() : made == 0) break;
    }
  }

  // Cuts or zero-pads the output to load_mono()'s length once the source's length is known.
  void finish_length() {
    const double want = soxr ? std::round(static_cast<double>(frames_in) * ratio()) : static_cast<double>(frames_in);
    const int64_t total = static_cast<int64_t>(want);
    const int64_t have = emitted + static_cast<int64_t>(pending.size() - pending_pos);
    if (have > total) pending.resize(pending.size() - static_cast<std::size_t>(std::min(have - total, have - emitted)));
    else pending.resize(pending.size() + static_cast<std::size_t>(total - have), 0.0f);
  }

  void end_of_stream() {
    // Decoders (FLAC, Vorbis, MP3) stop early on a damaged stream and leave the cause here.
    if (sf_error(file.get()) != SF_ERR_NO_ERROR)
      throw failure(std::string("cannot decode audio: ") + sf_strerror(file.get()));
    if (!is_mpeg(info) && info.frames != SF_COUNT_MAX && frames_in < info.frames)
      throw failure("is truncated: the header promises " + std::to_string(info.frames) + " frames (" +
                    seconds_text(info.frames, info.samplerate) + "), the audio ends");
    if (frames_in == 0) throw Error(ErrorCode::Audio, path + ": contains no samples");
    if (soxr) resample_into_pending(nullptr, 0);
    finish_length();
    ended = true;
  }

  // Decodes one block into `pending`, first dropping what was handed out (the held-back tail stays).
  void decode_block() {
    pending.erase(pending.begin(), pending.begin() + static_cast<std::ptrdiff_t>(pending_pos));
    pending_pos = 0;
    const sf_count_t got = sf_readf_float(file.get(), block.data(), kBlockFrames);
    if (got <= 0) return end_of_stream();
    const std::size_t n = static_cast<std::size_t>(got) * info.channels;
    for (std::size_t i = 0; i < n; ++i)
      if (!std::isfinite(block[i])) {
        frames_in += static_cast<int64_t>(i / info.channels);
        throw failure("contains NaN or infinite samples, the first");
      }
    const std::vector<float> mono = downmix(std::vector<float>(block.begin(), block.begin() + n), info.channels);
    frames_in += got;
    if (soxr) resample_into_pending(mono.data(), mono.size());
    else pending.insert(pending.end(), mono.begin(), mono.end());
  }
};

StreamDecoder::StreamDecoder(const std::string& path, int target_rate) : impl_(std::make_unique<Impl>()) {
  if (target_rate <= 0)
    throw Error(ErrorCode::Input, "target sample rate must be positive (got " + std::to_string(target_rate) + ")");
  Impl& d = *impl_;
  d.path = path;
  d.target_rate = target_rate;
  d.file = open_for_reading(path, d.info);
  d.block.resize(static_cast<std::size_t>(kBlockFrames) * d.info.channels);
  if (d.info.samplerate != target_rate) {
    soxr_error_t err = nullptr;
    const soxr_io_spec_t io = soxr_io_spec(SOXR_FLOAT32_I, SOXR_FLOAT32_I);
    const soxr_quality_spec_t q = soxr_quality_spec(SOXR_VHQ, 0);  // as resample()
    d.soxr.reset(soxr_create(d.info.samplerate, target_rate, 1, &err, &io, &q, nullptr));
    if (err || !d.soxr) throw Error(ErrorCode::Audio, path + ": libsoxr failed: " + (err ? err : "no resampler"));
  }
}

StreamDecoder::~StreamDecoder() = default;

std::size_t StreamDecoder::read(std::vector<float>& out, std::size_t max) {
  Impl& d = *impl_;
  std::size_t given = 0;
  while (given < max) {
    if (d.pending_pos == d.pending.size()) {
      if (d.ended) break;
      d.decode_block();
      continue;
    }
    // Before the end, the last samples soxr gave stay back: the length rule may still cut them.
    std::size_t ready = d.pending.size() - d.pending_pos;
    if (!d.ended && d.soxr) {
      const int64_t safe = static_cast<int64_t>(std::floor(d.frames_in * d.ratio())) - 64 - d.emitted;
      ready = static_cast<std::size_t>(std::clamp<int64_t>(safe, 0, static_cast<int64_t>(ready)));
      if (ready == 0) {
        d.decode_block();
        continue;
      }
    }
    const std::size_t take = std::min(ready, max - given);
    out.insert(out.end(), d.pending.begin() + d.pending_pos, d.pending.begin() + d.pending_pos + take);
    d.pending_pos += take;
    d.emitted += static_cast<int64_t>(take);
    given += take;
  }
  return given;
}

const std::string& StreamDecoder::path() const { return impl_->path; }
int StreamDecoder::source_rate() const { return impl_->info.samplerate; }
int StreamDecoder::channels() const { return impl_->info.channels; }
int StreamDecoder::target_rate() const { return impl_->target_rate; }
double StreamDecoder::header_seconds() const {
  const auto& i = impl_->info;
  return i.frames > 0 && i.frames < (sf_count_t{1} << 40) ? static_cast<double>(i.frames) / i.samplerate : 0;
}
int64_t StreamDecoder::frames_decoded() const { return impl_->frames_in; }

}  // namespace ser::audio
