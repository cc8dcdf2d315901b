// Dataset manifests (CSV with a header, or JSON lines): an audio path relative to the manifest,
// any of arousal / dominance / valence, optional speaker, gender, split. Everything is checked
// (values, label range, files) before training starts; errors name the file and line.
#pragma once
#include <map>
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

struct SkippedRow {
  std::string path;
  int line = 0;
  std::string reason;
};

struct Manifest {
  std::string source;
  std::vector<std::string> dimensions;  // subset of arousal, dominance, valence, in that order
  std::vector<Example> examples;
  std::vector<SkippedRow> skipped;  // with ManifestRules::skip_unreadable_audio
};

struct ManifestRules {
  bool require_labels = true;
  // Audio paths are opened wherever they point (absolute, "../"), and a missing file is named as
  // missing. A server reading manifests from users confines them to the manifest's folder: a path
  // leaving it (after "..", symbolic links) is an InputError, before the file is looked at.
  bool confine_to_folder = false;
  // Column -> dimension: MOSI's `sentiment` scored as valence. A mapped column replaces a column
  // of the dimension's own name. Each column must be in the manifest; each target a dimension.
  std::map<std::string, std::string> columns;
  // Evaluation reports files it cannot read (missing, undecodable header) instead of failing on
  // the first one: they go to Manifest::skipped with the reason.
  bool skip_unreadable_audio = false;
};

// Throws ser::Error(ERR_INPUT) naming `path:line` for bad rows, and ERR_AUDIO for missing files.
Manifest read_manifest(const std::string& path, const LabelRange& range, const ManifestRules& rules);
Manifest read_manifest(const std::string& path, const LabelRange& range, bool require_labels = true);
// Rows whose split is `split` (all rows when the manifest has no split column).
Manifest filter_split(const Manifest& m, const std::vector<std::string>& splits);

}  // namespace ser::train
