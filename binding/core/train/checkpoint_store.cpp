#include "train/checkpoint_store.h"

#include <filesystem>
#include <fstream>
#include <random>

#include <ATen/ATen.h>
#include <ATen/CPUGeneratorImpl.h>
#include <fcntl.h>
#include <nlohmann/json.hpp>
#include <stdio.h>
#include <torch/serialize.h>
#include <unistd.h>

#include "config/json_file.h"
#include "error.h"

namespace ser::train {
namespace {

namespace fs = std::filesystem;

// Process id plus a tag drawn once per process: ids repeat (PID 1 in every container), and a
// leftover of an earlier process must never be taken for this one's temporary.
std::string tmp_name(const std::string& out_dir, const std::string& name, const char* what) {
  static const std::string tag = std::to_string(::getpid()) + "-" + std::to_string(std::random_device{}() & 0xffffff);
  return (fs::path(out_dir) / ("." + name + "." + what + "-" + tag)).string();
}

}  // namespace

void write_checkpoint(const std::string& out_dir, const std::string& name, models::SerNetwork& model,
                      const ModelConfig& config, const PreprocessorConfig& pre, const LoopState& state,
                      torch::optim::Optimizer* optimizer, c10::Device device) {
  const fs::path final_dir = fs::path(out_dir) / name;
  const fs::path tmp = tmp_name(out_dir, name, "tmp"), old = tmp_name(out_dir, name, "old");
  std::error_code ec;
  fs::remove_all(tmp, ec);
  fs::create_directories(tmp, ec);
  if (ec) throw Error(ErrorCode::Io, "cannot create " + tmp.string() + ": " + ec.message());
  try {
    save_model_folder(*model, config, pre, tmp.string());
    nlohmann::json j;
    j["epoch"] = state.epoch;
    j["next_batch"] = state.next_batch;
    j["step"] = state.step;
    j["best_mean"] = state.best_mean;
    j["best_ccc"] = state.best_ccc;
    j["dimensions"] = state.dimensions;
    j["seed"] = state.seed;
    if (state.batch_size > 0) j["batch_size"] = state.batch_size;
    if (state.max_clip_seconds >= 0) j["max_clip_seconds"] = state.max_clip_seconds;
    write_text_file_atomic((tmp / "trainer_state.json").string(), j.dump(2));
    if (optimizer) {
      torch::serialize::OutputArchive archive;
      optimizer->save(archive);
      archive.write("rng_cpu", at::detail::getDefaultCPUGenerator().get_state());
      // Dropout on a GPU draws from the device's generator: without it a resume is not exact.
      if (!device.is_cpu()) archive.write("rng_device", at::globalContext().defaultGenerator(device).get_state());
      archive.save_to((tmp / "optimizer.pt").string());
      sync_to_disk((tmp / "optimizer.pt").string());  // torch's writer does not sync
    }
    // Every file in tmp is synced by its writer; the folder's entries must be too before the swap,
    // or a power loss after it could leave `final` naming a folder without its files.
    sync_to_disk(tmp.string());
  } catch (...) {
    fs::remove_all(tmp, ec);
    throw;
  }
  // Swap in one step where the file system can (renameat2 RENAME_EXCHANGE): `final` is never
  // missing. Elsewhere: final -> old, tmp -> final, drop old; a crash between the renames leaves
  // `old`, which find_checkpoint() takes.
  // out_dir is synced after the swap: the exchange (or the renames) then survive a power loss.
  if (fs::exists(final_dir) && ::renameat2(AT_FDCWD, tmp.c_str(), AT_FDCWD, final_dir.c_str(), RENAME_EXCHANGE) == 0) {
    sync_to_disk(out_dir);
    fs::remove_all(tmp, ec);  // now the previous checkpoint
    return;
  }
  fs::remove_all(old, ec);
  if (fs::exists(final_dir)) fs::rename(final_dir, old);
  fs::rename(tmp, final_dir);
  sync_to_disk(out_dir);
  fs::remove_all(old, ec);
}

void remove_stale_temporaries(const std::string& out_dir) {
  std::error_code ec;
  std::vector<fs::path> stale;
  for (auto& e : fs::directory_iterator(out_dir, ec)) {
    const std::string f = e.path().filename().string();
    if (f.size() < 2 || f[0] != '.') continue;
    const auto old = f.find(".old-");
    // An ".X.old-PID" is only needed while X itself is missing (a crash between two renames).
    if (f.find(".tmp-") != std::string::npos ||
        (old != std::string::npos && fs::exists(fs::path(out_dir) / f.substr(1, old - 1) / "trainer_state.json")))
      stale.push_back(e.path());
  }
  for (auto& p : stale) fs::remove_all(p, ec);
}

std::string find_checkpoint(const std::string& out_dir, const std::string& name) {
  const fs::path final_dir = fs::path(out_dir) / name;
  if (fs::exists(final_dir / "trainer_state.json")) return final_dir.string();
  // Leftovers of crashes between two renames: the furthest one is where the run stood (an
  // older run's leftover may still lie beside it; it is only cleaned at the next start).
  std::error_code ec;
  std::string best;
  int64_t best_step = -1;
  for (auto& e : fs::directory_iterator(out_dir, ec)) {
    const std::string f = e.path().filename().string();
    if (f.rfind("." + name + ".old-", 0) != 0 || !fs::exists(e.path() / "trainer_state.json")) continue;
    try {
      const int64_t step = read_loop_state(e.path().string()).step;
      if (step > best_step) best_step = step, best = e.path().string();
    } catch (const Error&) {
      // unreadable state: not a checkpoint to resume from
    }
  }
  return best;
}

LoopState read_loop_state(const std::string& dir) {
  const std::string path = dir + "/trainer_state.json";
  nlohmann::json j;
  try {
    j = nlohmann::json::parse(read_text_file(path, ErrorCode::Checkpoint));
    LoopState s;
    s.epoch = j.at("epoch").get<int>();
    s.next_batch = j.at("next_batch").get<size_t>();
    s.step = j.at("step").get<int64_t>();
    s.best_mean = j.at("best_mean").get<double>();
    s.best_ccc = j.at("best_ccc").get<std::vector<double>>();
    s.dimensions = j.at("dimensions").get<std::vector<std::string>>();
    s.seed = j.at("seed").get<uint64_t>();
    if (j.contains("batch_size")) s.batch_size = j.at("batch_size").get<int>();
    if (j.contains("max_clip_seconds")) s.max_clip_seconds = j.at("max_clip_seconds").get<double>();
    return s;
  } catch (const nlohmann::json::exception& e) {
    fail_at(ErrorCode::Checkpoint, path, e.what());
  }
}

void read_optimizer_state(const std::string& dir, torch::optim::Optimizer& optimizer, c10::Device device) {
  torch::serialize::InputArchive archive;
  archive.load_from(dir + "/optimizer.pt");
  optimizer.load(archive);
  at::Tensor rng;
  if (archive.try_read("rng_cpu", rng)) {
    at::Generator gen = at::detail::getDefaultCPUGenerator();
    gen.set_state(rng);
  }
  if (!device.is_cpu() && archive.try_read("rng_device", rng)) {
    at::Generator gen = at::globalContext().defaultGenerator(device);
    gen.set_state(rng);
  }
}

}  // namespace ser::train
