// Dataset manifests (CSV with a header, or JSON lines): an audio path relative to the manifest,
// any of arousal / dominance / valence, optional speaker, gender, split. Everything is checked
// (values, label range, files) before training starts; errors name the file and line.
#pragma once
#include <string>
#include <vector>

namespace ser::train {

struct LabelRange {
  double min = 0, max = 1;  // mapped linearly to [0, 1]
};

struct Example {
  std::string path;            // absolute or relative to the working directory
  std::vector<double> labels;  // one per dimension of Manifest::dimensions, mapped to [0, 1]
  std::string speaker, gender, split;
  double seconds = 0;  // from the file header; 0 when unknown
  int line = 0;
};

struct Manifest {
  std::string source;
  std::vector<std::string> dimensions;  // subset of arousal, dominance, valence, in that order
  std::vector<Example> examples;
};

struct ManifestRules {
  bool require_labels = true;
  // Audio paths are opened wherever they point (absolute, "../"), and a missing file is named as
  // missing. A server reading manifests from users confines them to the manifest's folder: a path
  // leaving it (after "..", symbolic links) is an InputError, before the file is looked at.
  bool confine_to_folder = false;
};

// Throws ser::Error(ERR_INPUT) naming `path:line` for bad rows, and ERR_AUDIO for missing files.
Manifest read_manifest(const std::string& path, const LabelRange& range, const ManifestRules& rules);
Manifest read_manifest(const std::string& path, const LabelRange& range, bool require_labels = true);
// Rows whose split is `split` (all rows when the manifest has no split column).
Manifest filter_split(const Manifest& m, const std::vector<std::string>& splits);

}  // namespace ser::train
