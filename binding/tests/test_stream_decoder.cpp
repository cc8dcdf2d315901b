// The block-by-block decoder of long recordings against load_mono() (which decodes whole files):
// the same samples whatever the read sizes, and errors that name the file and, mid-stream, the position.
#include <algorithm>
#include <cmath>
#include <filesystem>
#include <string>
#include <vector>

#include "audio/audio_file.h"
#include "audio/stream_decoder.h"
#include "error.h"
#include "temp_dir.h"
#include "wav_writer.h"
#include "harness.h"

namespace {

std::string fixture(const std::string& name) { return ser_test::fixtures_dir() + "/audio/" + name; }

// Everything the decoder gives, `chunk` samples per read.
std::vector<float> stream_all(const std::string& path, int rate, std::size_t chunk) {
  ser::audio::StreamDecoder d(path, rate);
  std::vector<float> out;
  while (d.read(out, chunk) > 0) {
  }
  CHECK(d.read(out, chunk) == 0);  // stays at the end
  return out;
}

double max_diff(const std::vector<float>& a, const std::vector<float>& b) {
  double worst = 0;
  for (std::size_t i = 0; i < std::min(a.size(), b.size()); ++i)
    worst = std::max(worst, std::fabs(static_cast<double>(a[i]) - b[i]));
  return worst;
}

template <class Fn>
std::string audio_error(Fn fn) {
  try {
    fn();
  } catch (const ser::Error& e) {
    if (e.code() != ser::ErrorCode::Audio) return std::string("wrong code: ") + e.what();
    return e.what();
  }
  return "no error";
}

}  // namespace

TEST_CASE("stream decoder: every fixture gives load_mono's samples, whatever the read size") {
  const char* names[] = {"sine_16k_pcm16.wav", "sine_22k_pcm24.wav", "stereo_22k_pcm16.wav", "sine_44k.flac",
                         "sine_44k.ogg",       "sine_44k.mp3",       "sine_48k_float.wav",   "streamed_ffff.wav"};
  for (const char* name : names) {
    const auto whole = ser::audio::load_mono(fixture(name), 16000);
    for (std::size_t chunk : {std::size_t{1}, std::size_t{333}, std::size_t{1} << 20}) {
      const auto streamed = stream_all(fixture(name), 16000, chunk);
      CHECK(streamed.size() == whole.size());
      CHECK(max_diff(streamed, whole) == 0.0);
    }
  }
}

TEST_CASE("stream decoder: a 3-minute 44.1 kHz stereo file, across many blocks, equals load_mono") {
  ser_test::TempDir dir("ser-stream");
  const std::size_t frames = 44100 * 180 + 17;
  const auto left = ser_test::test_signal(frames, 3), right = ser_test::test_signal(frames, 4);
  std::vector<float> interleaved(2 * frames);
  for (std::size_t i = 0; i < frames; ++i) {
    interleaved[2 * i] = left[i];
    interleaved[2 * i + 1] = right[i];
  }
  const std::string path = dir.file("long.wav");
  ser_test::write_test_wav(path, interleaved, 44100, 2, /*pcm16=*/true);
  const auto whole = ser::audio::load_mono(path, 16000);
  CHECK(whole.size() == static_cast<std::size_t>(std::round(frames * 16000.0 / 44100)));
  for (std::size_t chunk : {std::size_t{4000}, std::size_t{64000}}) {
    const auto streamed = stream_all(path, 16000, chunk);
    CHECK(streamed.size() == whole.size());
    CHECK(max_diff(streamed, whole) == 0.0);
  }
  ser::audio::StreamDecoder d(path, 16000);
  CHECK(d.source_rate() == 44100);
  CHECK(d.channels() == 2);
  CHECK_NEAR(d.header_seconds(), frames / 44100.0, 1e-9);
}

TEST_CASE("stream decoder: unreadable files are ERR_AUDIO naming the file") {
  for (const char* name : {"missing.wav", "empty.wav", "corrupt.wav", "truncated.wav", "zero_frames.wav"}) {
    const std::string path = fixture(name);
    const std::string msg = audio_error([&] { stream_all(path, 16000, 4096); });
    CHECK(contains(msg, path));
  }
  CHECK(contains(audio_error([&] { stream_all(fixture("truncated.flac"), 16000, 4096); }), "truncated.flac"));
  ser_test::TempDir dir("ser-stream");
  CHECK(contains(audio_error([&] { ser::audio::StreamDecoder d(dir.path, 16000); }), "is a directory"));
}

TEST_CASE("stream decoder: NaN part-way is ERR_AUDIO with its position, after the samples before it") {
  ser_test::TempDir dir("ser-stream");
  auto samples = ser_test::test_signal(16000 * 6);
  samples[16000 * 5 / 2] = std::nanf("");  // 2.5 s
  const std::string path = dir.file("nan.wav");
  ser_test::write_test_wav(path, samples, 16000);
  ser::audio::StreamDecoder d(path, 16000);
  std::vector<float> out;
  CHECK(d.read(out, 16000) == 16000);  // the first second is fine
  const std::string msg = audio_error([&] { d.read(out, 16000 * 6); });
  CHECK(contains(msg, path));
  CHECK(contains(msg, "NaN"));
  CHECK(contains(msg, "at 2.500 s (frame 40000)"));
}

TEST_CASE("stream decoder: a file cut while it is read is ERR_AUDIO 'truncated' at the position it ends") {
  ser_test::TempDir dir("ser-stream");
  const std::string path = dir.file("cut.wav");
  ser_test::write_test_wav(path, ser_test::test_signal(16000 * 20), 16000, 1, /*pcm16=*/true);
  ser::audio::StreamDecoder d(path, 16000);
  std::vector<float> out;
  CHECK(d.read(out, 16000) == 16000);
  std::filesystem::resize_file(path, 44 + 2 * 16000 * 8);  // 8 s of the 20 remain
  const std::string msg = audio_error([&] {
    while (d.read(out, 16000) > 0) {
    }
  });
  CHECK(contains(msg, path));
  CHECK(contains(msg, "is truncated"));
  CHECK(contains(msg, "at 8.000 s"));
}
