// Checkpoint discovery after crashes: which folder a resume takes (<out>/last, or the ".last.old-PID"
// a kill between write_checkpoint's two renames leaves), which leftovers are cleaned up, and the
// loop state read back. The folders are laid out by hand as a killed run leaves them.
#include <filesystem>
#include <fstream>
#include <string>

#include "error.h"
#include "temp_dir.h"
#include "train/checkpoint_store.h"
// Last: its CHECK replaces the glog CHECK that torch's headers bring in.
#include "harness.h"

namespace {

namespace fs = std::filesystem;
using ser::train::find_checkpoint;
using ser::train::remove_stale_temporaries;

// A training outDir, laid out by hand.
struct OutDir : ser_test::TempDir {
  OutDir() : TempDir("ser-ckpt-test") {}
  // A checkpoint folder; `finished` writes trainer_state.json (a folder has it once it is whole).
  void folder(const std::string& name, bool finished, int64_t step = 1) const {
    fs::create_directories(file(name));
    std::ofstream(file(name) + "/model.safetensors") << "x";
    if (finished) {
      std::ofstream(file(name) + "/trainer_state.json")
          << R"({"epoch": 1, "next_batch": 2, "step": )" << step
          << R"(, "best_mean": 0.25, "best_ccc": [0.5, 0.0], "dimensions": ["arousal", "valence"], "seed": 42})";
    }
  }
  bool has(const std::string& name) const { return fs::exists(file(name)); }
};

}  // namespace

TEST_CASE("checkpoint discovery: nothing to resume in an empty or missing outDir") {
  OutDir out;
  CHECK(find_checkpoint(out.path, "last").empty());
  CHECK(find_checkpoint(out.path + "/missing", "last").empty());
  remove_stale_temporaries(out.path + "/missing");  // no throw
}

TEST_CASE("checkpoint discovery: a finished last is taken, before any leftover") {
  OutDir out;
  out.folder("last", true, 8);
  out.folder(".last.old-123", true, 4);
  CHECK(find_checkpoint(out.path, "last") == out.file("last"));
}

TEST_CASE("checkpoint discovery: killed between the renames, the .last.old-PID is taken") {
  OutDir out;
  out.folder(".last.old-4242", true);
  out.folder(".last.tmp-4242", false);  // the new one, not yet whole
  CHECK(find_checkpoint(out.path, "last") == out.file(".last.old-4242"));
}

TEST_CASE("checkpoint discovery: temporaries, unfinished folders and other names are never taken") {
  OutDir out;
  out.folder(".last.tmp-17", true);   // whole but never swapped in: the kill hit before the renames
  out.folder(".last.old-18", false);  // unfinished
  out.folder(".last.old-21", false);
  std::ofstream(out.file(".last.old-21") + "/trainer_state.json") << "{ damaged";  // unreadable: not taken
  out.folder("last", false);
  out.folder(".best.old-19", true);  // another checkpoint's leftover
  out.folder("last.old-20", true);   // not a leftover name
  CHECK(find_checkpoint(out.path, "last").empty());
  CHECK(find_checkpoint(out.path, "best") == out.file(".best.old-19"));
}

TEST_CASE("stale temporaries: .tmp- folders go; .old- goes only once its checkpoint is whole again") {
  OutDir out;
  out.folder("last", true);
  out.folder(".last.old-5", true);  // last is back: not needed
  out.folder(".last.tmp-6", false);
  out.folder(".best.tmp-7", true);
  out.folder(".best.old-8", true);  // best is missing: this is the only best, kept
  out.folder("best-notes", false);  // the user's own folders and files stay
  std::ofstream(out.file(".hidden")) << "mine";
  remove_stale_temporaries(out.path);
  CHECK(out.has("last") && fs::exists(out.file("last") + "/trainer_state.json"));
  CHECK(!out.has(".last.old-5"));
  CHECK(!out.has(".last.tmp-6"));
  CHECK(!out.has(".best.tmp-7"));
  CHECK(out.has(".best.old-8"));
  CHECK(find_checkpoint(out.path, "best") == out.file(".best.old-8"));
  CHECK(out.has("best-notes"));
  CHECK(out.has(".hidden"));
}

TEST_CASE("stale temporaries: killed between the renames, the resume point survives the cleanup") {
  OutDir out;
  out.folder(".last.old-99", true, 12);
  out.folder(".last.tmp-99", true, 16);
  remove_stale_temporaries(out.path);
  CHECK(!out.has(".last.tmp-99"));
  CHECK(find_checkpoint(out.path, "last") == out.file(".last.old-99"));
  CHECK(ser::train::read_loop_state(find_checkpoint(out.path, "last")).step == 12);
}

TEST_CASE("loop state: trainer_state.json read back; a damaged one is ERR_CHECKPOINT") {
  OutDir out;
  out.folder("last", true, 37);
  auto s = ser::train::read_loop_state(out.file("last"));
  CHECK(s.epoch == 1 && s.next_batch == 2 && s.step == 37 && s.seed == 42);
  CHECK(s.best_mean == 0.25);
  CHECK(s.best_ccc == std::vector<double>({0.5, 0.0}));
  CHECK(s.dimensions == std::vector<std::string>({"arousal", "valence"}));
  std::ofstream(out.file("last") + "/trainer_state.json", std::ios::trunc) << R"({"epoch": 1, "step": 3})";
  CHECK_THROWS_CODE(ser::train::read_loop_state(out.file("last")), ser::ErrorCode::Checkpoint);
  std::ofstream(out.file("last") + "/trainer_state.json", std::ios::trunc) << "{ not json";
  CHECK_THROWS_CODE(ser::train::read_loop_state(out.file("last")), ser::ErrorCode::Checkpoint);
  CHECK_THROWS_CODE(ser::train::read_loop_state(out.file("nowhere")), ser::ErrorCode::Checkpoint);
}

// Run A is killed between the renames (.last.old-A); run B resumes from it, writes `last` (A's
// leftover stays: it is only cleaned at the next start, and only while `last` exists) and is killed
// between the renames of its next checkpoint (.last.old-B, newer). The resume must take B's: the
// first leftover the directory lists loses B's progress. Both name orders are tried, so an
// order-dependent choice fails one of them.
TEST_CASE("checkpoint discovery: of two .last.old- leftovers, the newer (higher step) is taken") {
  for (bool newer_first : {true, false}) {
    OutDir out;
    out.folder(".last.old-1000", true, newer_first ? 8 : 4);
    out.folder(".last.old-2000", true, newer_first ? 4 : 8);
    remove_stale_temporaries(out.path);
    const std::string found = find_checkpoint(out.path, "last");
    CHECK(!found.empty());
    CHECK(ser::train::read_loop_state(found).step == 8);
  }
}
