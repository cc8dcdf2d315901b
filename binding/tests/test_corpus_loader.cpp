// The corpus loader threads: every index of a for_each runs once and done() once, after all of
// them; a file that cannot be read is a problem naming it, never an exception.
#include <atomic>
#include <condition_variable>
#include <mutex>
#include <vector>

#include "audio/audio_file.h"
#include "corpus/load_files.h"
#include "corpus/loader_pool.h"
#include "harness.h"

namespace {

std::string audio_fixture(const std::string& name) { return ser_test::fixtures_dir() + "/audio/" + name; }

// Runs pool.for_each(count, ...) and waits for its done(); returns how often each index ran.
std::vector<int> run_for_each(ser::corpus::LoaderPool& pool, size_t count, int& dones, bool& all_ran_before_done) {
  std::vector<std::atomic<int>> runs(count);
  std::mutex m;
  std::condition_variable cv;
  bool finished = false;
  pool.for_each(
      count, [&](size_t i) { ++runs[i]; },
      [&] {
        all_ran_before_done = true;
        for (auto& r : runs) all_ran_before_done = all_ran_before_done && r.load() == 1;
        std::lock_guard<std::mutex> lock(m);
        ++dones;
        finished = true;
        cv.notify_all();
      });
  std::unique_lock<std::mutex> lock(m);
  cv.wait(lock, [&] { return finished; });
  std::vector<int> out;
  for (auto& r : runs) out.push_back(r.load());
  return out;
}

}  // namespace

TEST_CASE("corpus loader pool: for_each runs each index once, then done once") {
  ser::corpus::LoaderPool pool(3);
  CHECK(pool.size() == 3);
  for (size_t count : {size_t{0}, size_t{1}, size_t{2}, size_t{1000}}) {
    int dones = 0;
    bool all_ran = false;
    auto runs = run_for_each(pool, count, dones, all_ran);
    CHECK(dones == 1);
    CHECK(all_ran);
    for (int r : runs) CHECK(r == 1);
  }
  CHECK(ser::corpus::default_loader_threads() >= 1);
  CHECK(ser::corpus::default_loader_threads() <= 8);
}

TEST_CASE("corpus loader: decode_file is load_mono, and a bad file is a problem naming it") {
  const std::string good = audio_fixture("sine_44k.flac");
  auto decoded = ser::corpus::decode_file(good, 16000);
  CHECK(decoded.problem.code.empty());
  CHECK(decoded.samples == ser::audio::load_mono(good, 16000));
  CHECK_NEAR(ser::corpus::probe_file(good).seconds, decoded.samples.size() / 16000.0, 1e-3);

  for (const std::string name : {"corrupt.wav", "empty.wav", "nan_float.wav", "no-such-file.wav"}) {
    auto bad = ser::corpus::decode_file(audio_fixture(name), 16000);
    CHECK(bad.problem.code == "ERR_AUDIO");
    CHECK(bad.problem.message.find(name) != std::string::npos);
    CHECK(bad.samples.empty());
  }
  auto missing = ser::corpus::probe_file(audio_fixture("no-such-file.wav"));
  CHECK(missing.problem.code == "ERR_AUDIO");
  CHECK(missing.problem.message.find("no-such-file.wav") != std::string::npos);
}
