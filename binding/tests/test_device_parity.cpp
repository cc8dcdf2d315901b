// The same model and training on the device named by $SER_TEST_DEVICE ("cpu" when unset; "cuda" in
// scripts/device-check.sh) against the CPU: every fixture's outputs, a few fine-tuning steps, and a
// run killed with SIGKILL and resumed. On "cpu" these are the script's dry run (and still hold the
// bf16 paths to their documented tolerance and resume to exactness).
#include <fcntl.h>
#include <signal.h>
#include <spawn.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <cmath>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <thread>

#include <nlohmann/json.hpp>

#include "api/ser_model.h"
#include "json_fixture.h"
#include "temp_dir.h"
#include "train/trainer.h"
// Last: its CHECK replaces the glog CHECK that torch's headers bring in.
#include "harness.h"

extern char** environ;

namespace {

using nlohmann::json;
namespace fs = std::filesystem;

// Tolerances: float32 as the issue asks; bf16 as README "Precision" documents for inference
// (2.5 % of the largest output, 6 % for the tiny CNN14) and for a bf16 step's update (5 %).
constexpr double kFp32 = 1e-4;
constexpr double kBf16Share = 0.025, kBf16ShareCnn14 = 0.06, kBf16TrainShare = 0.05;

std::string test_device() {
  const char* d = std::getenv("SER_TEST_DEVICE");
  return d && *d ? d : "cpu";
}

using ser_test::read_json;

double max_abs(const std::vector<float>& v) {
  double m = 0;
  for (float x : v) m = std::max(m, static_cast<double>(std::fabs(x)));
  return m;
}

double max_abs_diff(const std::vector<float>& a, const std::vector<float>& b) {
  if (a.size() != b.size())
    throw ser_test::Failure("size " + std::to_string(a.size()) + " != " + std::to_string(b.size()));
  double worst = 0;
  for (size_t i = 0; i < a.size(); ++i) worst = std::max(worst, static_cast<double>(std::fabs(a[i] - b[i])));
  return worst;
}

struct Fixture {
  std::string name, model_dir;
  std::vector<ser::AudioInput> inputs;
  double bf16_share;
};

// Every model fixture: the four wav2vec2 / HuBERT folders and CNN14.
std::vector<Fixture> fixtures() {
  std::vector<Fixture> all;
  const fs::path root(ser_test::fixtures_dir());
  std::vector<fs::path> dirs;
  for (auto& e : fs::directory_iterator(root / "models"))
    if (fs::exists(e.path() / "expected.json")) dirs.push_back(e.path());
  std::sort(dirs.begin(), dirs.end());
  for (auto& dir : dirs) {
    Fixture f{dir.filename().string(), dir.string(), {}, kBf16Share};
    for (auto& s : read_json(dir / "expected.json")["inputs"])
      f.inputs.push_back({"", s.get<std::vector<float>>(), 16000, ""});
    all.push_back(std::move(f));
  }
  Fixture cnn{"cnn14", (root / "cnn14" / "model").string(), {}, kBf16ShareCnn14};
  for (auto& s : read_json(root / "cnn14" / "logmel.json")["inputs"])
    cnn.inputs.push_back({"", s.get<std::vector<float>>(), 16000, ""});
  all.push_back(std::move(cnn));
  return all;
}

// What the fixture's model gives: logits when it has a head, else pooled embeddings; and the hidden states.
std::vector<std::vector<float>> outputs(ser::SerModel& model, const std::vector<ser::AudioInput>& inputs, int batch) {
  std::vector<std::vector<float>> out;
  const auto kind = model.description().has_head ? ser::OutputKind::Predictions : ser::OutputKind::Embeddings;
  for (auto& r : model.run(inputs, kind, batch)) out.push_back(r.values);
  if (model.description().model_type != "cnn14")
    for (auto& r : model.run(inputs, ser::OutputKind::HiddenStates, batch)) out.push_back(r.values);
  return out;
}

void check_close(const std::vector<std::vector<float>>& got, const std::vector<std::vector<float>>& want, double share,
                 double floor, const std::string& what) {
  CHECK(got.size() == want.size());
  for (size_t i = 0; i < got.size(); ++i) {
    const double tol = std::max(floor, share * max_abs(want[i]));
    const double diff = max_abs_diff(got[i], want[i]);
    if (!(diff <= tol))
      throw ser_test::Failure(what + ", output " + std::to_string(i) + ": max |diff| " + std::to_string(diff) + " > " +
                              std::to_string(tol));
  }
}

// The train_step fixture's run (test/helpers/train-step.ts), SGD so the update is large enough to see.
ser::train::TrainOptions step_options(const std::string& device, const std::string& precision,
                                      const std::string& out_dir, int epochs, int batch) {
  const fs::path dir = fs::path(ser_test::fixtures_dir()) / "train_step";
  ser::train::TrainOptions o;
  o.model_dir = (dir / "model").string();
  o.train_manifest = (dir / "train.csv").string();
  o.dev_manifest = (dir / "dev.csv").string();
  o.out_dir = out_dir;
  o.optimizer = "sgd";
  o.lr = 1e-2;
  o.batch_size = batch;
  o.epochs = epochs;
  o.max_clip_seconds = 0;
  o.dropout = 0;
  o.layerdrop = 0;
  o.mask_time_prob = 0;
  o.seed = 1;
  o.device = device;
  o.precision = precision;
  return o;
}

struct Run {
  std::vector<double> losses;
  int64_t first_step = -1;
  ser::train::TrainResult result;
};

Run train(const ser::train::TrainOptions& o) {
  Run run;
  std::atomic<bool> abort{false};
  run.result = ser::train::run_training(
      o,
      [&](const ser::train::TrainEvent& e) {
        if (e.type != "step") return;
        if (run.first_step < 0) run.first_step = e.step;
        run.losses.push_back(e.loss);
      },
      abort);
  return run;
}

// The training clips' predictions by a checkpoint, computed on the CPU in float32.
std::vector<std::vector<float>> predictions_of(const std::string& checkpoint) {
  const fs::path wav = fs::path(ser_test::fixtures_dir()) / "train_step" / "wav";
  std::vector<ser::AudioInput> inputs;
  for (const char* name : {"a.wav", "b.wav", "c.wav", "d.wav"}) inputs.push_back({(wav / name).string(), {}, 0, ""});
  auto model = ser::SerModel::load(checkpoint, {"cpu", 0, 0, "fp32"});
  std::vector<std::vector<float>> out;
  for (auto& r : model->run(inputs, ser::OutputKind::Predictions, 4)) out.push_back(r.values);
  return out;
}

int64_t saved_step(const std::string& out_dir) {
  const fs::path state = fs::path(out_dir) / "last" / "trainer_state.json";
  try {
    return fs::exists(state) ? read_json(state).value("step", int64_t{-1}) : -1;
  } catch (const std::exception&) {
    return -1;  // being written
  }
}

// The kill/resume run: 4 clips, batches of 2, 30 epochs = 60 steps, a checkpoint every 5 steps.
constexpr int kKillEpochs = 30;
ser::train::TrainOptions kill_options(const std::string& out_dir, bool resume) {
  auto o = step_options(test_device(), "fp32", out_dir, kKillEpochs, 2);
  o.eval_every = 5;
  o.resume = resume;
  return o;
}

// These tests exist only when SER_TEST_DEVICE is set (scripts/device-check.sh sets it; "cpu" is
// its dry run): they take minutes, and the plain suite already holds the CPU to the references.
bool register_device_test(const char* name, void (*body)()) {
  const char* d = std::getenv("SER_TEST_DEVICE");
  if (!d || !*d) return false;
  ser_test::registry().push_back({name, body});
  return true;
}

#define DEVICE_TEST_CASE(name)                                                \
  static void SER_CONCAT(device_test_fn_, __LINE__)();                        \
  [[maybe_unused]] static const bool SER_CONCAT(device_test_reg_, __LINE__) = \
      register_device_test(name, SER_CONCAT(device_test_fn_, __LINE__));      \
  static void SER_CONCAT(device_test_fn_, __LINE__)()

}  // namespace

DEVICE_TEST_CASE("device: every fixture matches the CPU (float32 within 1e-4, bf16 within the documented share)") {
  const std::string device = test_device();
  const auto all = fixtures();
  CHECK(all.size() >= 5);
  for (const auto& f : all) {
    auto cpu = ser::SerModel::load(f.model_dir, {"cpu", 0, 0, "fp32"});
    auto dev = ser::SerModel::load(f.model_dir, {device, 0, 0, "fp32"});
    CHECK(dev->description().device.rfind(device.substr(0, 4), 0) == 0);
    for (int batch : {1, 64}) {
      const auto want = outputs(*cpu, f.inputs, batch);
      check_close(outputs(*dev, f.inputs, batch), want, 0, kFp32, f.name + " fp32 on " + device);
    }
    auto bf16 = ser::SerModel::load(f.model_dir, {device, 0, 0, "bf16"});
    CHECK(bf16->description().precision == "bf16");
    check_close(outputs(*bf16, f.inputs, 64), outputs(*cpu, f.inputs, 64), f.bf16_share, 0,
                f.name + " bf16 on " + device);
  }
}

DEVICE_TEST_CASE("device: fine-tuning steps in float32 and bf16 equal the CPU's") {
  const std::string device = test_device();
  const ser_test::TempDir tmp("ser-device-train");
  // 3 steps of the fixture's batch of 4 (a CCC over fewer clips is too noisy to compare); the
  // reference is float32 on the CPU.
  const auto ref = train(step_options("cpu", "fp32", tmp.file("cpu"), 3, 4));
  CHECK(ref.losses.size() == 3);
  const auto ref_pred = predictions_of(ref.result.last_dir);
  const auto initial = predictions_of((fs::path(ser_test::fixtures_dir()) / "train_step" / "model").string());
  // The steps move the outputs by much more than the tolerances below.
  double moved = 0;
  for (size_t i = 0; i < initial.size(); ++i) moved = std::max(moved, max_abs_diff(initial[i], ref_pred[i]));
  CHECK(moved > 1e-3);

  const auto fp32 = train(step_options(device, "fp32", tmp.file("fp32"), 3, 4));
  CHECK(fp32.losses.size() == ref.losses.size());
  for (size_t i = 0; i < ref.losses.size(); ++i) CHECK_NEAR(fp32.losses[i], ref.losses[i], kFp32);
  check_close(predictions_of(fp32.result.last_dir), ref_pred, 0, kFp32, "fp32 training on " + device);

  // bf16 as README "Precision" documents it: one step, its loss (a bf16 forward) within 2.5 % and
  // its update within 5 % of float32's. Over several steps the tiny fixture's CCC (near-constant
  // predictions) amplifies the bf16 differences beyond any fixed share.
  const auto one = train(step_options("cpu", "fp32", tmp.file("cpu1"), 1, 4));
  const auto bf16 = train(step_options(device, "bf16", tmp.file("bf16"), 1, 4));
  CHECK(one.losses.size() == 1 && bf16.losses.size() == 1);
  CHECK_NEAR(bf16.losses[0], one.losses[0], kBf16Share * one.losses[0]);
  const auto one_pred = predictions_of(one.result.last_dir), bf16_pred = predictions_of(bf16.result.last_dir);
  for (size_t i = 0; i < one_pred.size(); ++i) {
    std::vector<float> want(one_pred[i].size()), got(one_pred[i].size());
    for (size_t j = 0; j < want.size(); ++j) {
      want[j] = one_pred[i][j] - initial[i][j];
      got[j] = bf16_pred[i][j] - initial[i][j];
    }
    check_close({got}, {want}, kBf16TrainShare, 0, "bf16 training update on " + device);
  }
}

// Run in a child process by the kill/resume test (SER_DEVICE_KILL_OUT names its out dir). Run alone,
// it trains the same run to the end in a folder of its own.
DEVICE_TEST_CASE("device: kill/resume child run") {
  const char* out = std::getenv("SER_DEVICE_KILL_OUT");
  const ser_test::TempDir own("ser-device-child");
  const auto run = train(kill_options(out && *out ? out : own.path, false));
  CHECK(run.result.steps == 2 * kKillEpochs);
}

DEVICE_TEST_CASE("device: a training run killed with SIGKILL resumes to the uninterrupted run's weights") {
  const ser_test::TempDir tmp("ser-device-kill");
  const auto reference = train(kill_options(tmp.file("reference"), false));
  CHECK(reference.result.steps == 2 * kKillEpochs);

  // The child: this executable, running only the test above, training into tmp/killed.
  const std::string killed = tmp.file("killed");
  // /proc/self/exe itself: the file it names may be replaced by a rebuild while the tests run.
  const std::string self = "/proc/self/exe";
  const std::string fixtures = ser_test::fixtures_dir(), filter = "device: kill/resume child run";
  std::vector<std::string> env_strings;
  for (char** e = environ; *e; ++e) env_strings.emplace_back(*e);
  env_strings.push_back("SER_DEVICE_KILL_OUT=" + killed);
  std::vector<char*> envp;
  for (auto& s : env_strings) envp.push_back(s.data());
  envp.push_back(nullptr);
  std::vector<char*> argv{const_cast<char*>(self.c_str()), const_cast<char*>(fixtures.c_str()),
                          const_cast<char*>(filter.c_str()), nullptr};
  posix_spawn_file_actions_t quiet;
  posix_spawn_file_actions_init(&quiet);
  posix_spawn_file_actions_addopen(&quiet, STDOUT_FILENO, "/dev/null", O_WRONLY, 0);
  pid_t pid = 0;
  CHECK(posix_spawn(&pid, self.c_str(), &quiet, nullptr, argv.data(), envp.data()) == 0);
  posix_spawn_file_actions_destroy(&quiet);
  // Kill it once a checkpoint past step 10 is on disk, well before its 60 steps.
  int64_t at = -1;
  int status = 0;
  bool exited = false;
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::minutes(3);
  while (std::chrono::steady_clock::now() < deadline) {
    if (waitpid(pid, &status, WNOHANG) == pid) {
      exited = true;
      break;
    }
    at = saved_step(killed);
    if (at >= 10) break;
    std::this_thread::sleep_for(std::chrono::milliseconds(2));
  }
  if (!exited) {
    ::kill(pid, SIGKILL);
    waitpid(pid, &status, 0);
  }
  if (exited) throw ser_test::Failure("the child run ended (status " + std::to_string(status) + ") before the kill");
  CHECK(WIFSIGNALED(status) && WTERMSIG(status) == SIGKILL);
  CHECK(at >= 10 && at < 2 * kKillEpochs);

  // The checkpoint the resume takes (-1 when the kill fell between two renames: then a leftover).
  const int64_t saved = saved_step(killed);
  const auto resumed = train(kill_options(killed, true));
  if (saved >= 0) CHECK(resumed.first_step == saved + 1);
  CHECK(resumed.first_step > at);  // it continued from a saved step, not from the start
  CHECK(resumed.result.steps == 2 * kKillEpochs);
  check_close(predictions_of(resumed.result.last_dir), predictions_of(reference.result.last_dir), 0, kFp32,
              "killed and resumed on " + test_device());
}
