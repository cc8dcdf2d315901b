// What a corpus run needs from each file, computed on the loader threads: its samples (mono, at
// the model's rate) or its length, or why it cannot be read. One bad file never fails the others.
#pragma once
#include <string>
#include <vector>

namespace ser::corpus {

struct FileProblem {
  std::string code;     // "" when the file is fine; else an error code name, e.g. "ERR_AUDIO"
  std::string message;  // names the file
};

struct DecodedFile {
  std::vector<float> samples;
  FileProblem problem;
};

struct ProbedFile {
  double seconds = 0;
  FileProblem problem;
};

// audio::load_mono(path, rate), the decoding predict() does for a path.
DecodedFile decode_file(const std::string& path, int rate);
// audio::probe_file(path): the header's length, without decoding.
ProbedFile probe_file(const std::string& path);

}  // namespace ser::corpus
