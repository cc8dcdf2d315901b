#include "train/manifest.h"

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <map>

#include <nlohmann/json.hpp>
#include <sys/stat.h>

#include "audio/audio_probe.h"
#include "config/dimensions.h"
#include "config/untrusted_json.h"
#include "error.h"
#include "message_text.h"

namespace ser::train {
namespace {

namespace fs = std::filesystem;

// 1 GiB holds ~10 M rows; a larger "manifest" is a mistake (or an attack), read whole it would exhaust memory.
constexpr long long kMaxManifestBytes = 1LL << 30;
const std::vector<std::string> kPathColumns{"file", "path", "audio", "filename"};

// One CSV record (RFC 4180 quotes; a quoted field may hold line breaks).
std::vector<std::string> split_csv(const std::string& line, const std::string& where) {
  std::vector<std::string> out;
  std::string cur;
  bool quoted = false;
  for (size_t i = 0; i < line.size(); ++i) {
    char c = line[i];
    if (quoted) {
      if (c == '"' && i + 1 < line.size() && line[i + 1] == '"') cur += '"', ++i;
      else if (c == '"') quoted = false;
      else cur += c;
    } else if (c == '"') {
      quoted = true;
    } else if (c == ',') {
      out.push_back(cur), cur.clear();
    } else if (c != '\r') {
      cur += c;
    }
  }
  if (quoted) fail_at(ErrorCode::Input, where, "unterminated quote");
  out.push_back(cur);
  for (auto& f : out) {
    auto b = f.find_first_not_of(" \t"), e = f.find_last_not_of(" \t");
    f = b == std::string::npos ? "" : f.substr(b, e - b + 1);
  }
  return out;
}

double parse_number(const std::string& text, const std::string& where, const std::string& column) {
  try {
    size_t used = 0;
    double v = std::stod(text, &used);
    if (used == text.size() && std::isfinite(v)) return v;
  } catch (...) {
  }
  fail_at(ErrorCode::Input, where, column + " \"" + text + "\" is not a finite number");
}

// The fields of one row as strings, by column name.
using Row = std::map<std::string, std::string>;

// Whether `p` lies inside `folder` once symbolic links and ".." are resolved.
bool inside(const fs::path& p, const fs::path& folder) {
  std::error_code ec;
  const fs::path file = fs::weakly_canonical(p, ec), root = fs::weakly_canonical(folder.empty() ? "." : folder, ec);
  auto f = file.begin();
  for (auto r = root.begin(); r != root.end(); ++r, ++f)
    if (r->empty()) continue;  // a trailing separator
    else if (f == file.end() || *f != *r) return false;
  return true;
}

Example make_example(const Row& row, const std::vector<std::string>& dims, const LabelRange& range,
                     const fs::path& base, const std::string& where, const ManifestRules& rules) {
  const bool require_labels = rules.require_labels;
  Example ex;
  for (const auto& col : kPathColumns)
    if (row.count(col) && !row.at(col).empty()) ex.path = row.at(col);
  if (ex.path.empty()) fail_at(ErrorCode::Input, where, "no audio path (column file, path or audio)");
  if (ex.path.find('\0') != std::string::npos)
    fail_at(ErrorCode::Input, where, "the audio path contains a NUL character");
  fs::path p(ex.path);
  if (p.is_relative()) p = base / p;
  // Checked before the file is looked at: a confined caller learns nothing about files outside.
  if (rules.confine_to_folder && !inside(p, base))
    fail_at(ErrorCode::Input, where,
            "the audio path " + ex.path + " leaves the manifest's folder (paths are confined to it)");
  ex.path = p.lexically_normal().string();
  std::error_code ec;
  if (!fs::is_regular_file(p, ec)) throw Error(ErrorCode::Audio, where + ": audio file not found: " + ex.path);
  for (const auto& d : dims) {
    auto it = row.find(d);
    if (it == row.end() || it->second.empty()) {
      if (require_labels) fail_at(ErrorCode::Input, where, "missing " + d);
      ex.labels.push_back(NAN);
      continue;
    }
    double v = parse_number(it->second, where, d);
    if (v < range.min || v > range.max)
      fail_at(ErrorCode::Input, where,
              d + " " + it->second + " lies outside labelRange [" + compact_number(range.min) + ", " +
                  compact_number(range.max) +
                  "]; set labelRange (CLI: --label-range) to the scale the labels use, e.g. [1, 5]");
    ex.labels.push_back((v - range.min) / (range.max - range.min));
  }
  if (row.count("speaker")) ex.speaker = row.at("speaker");
  if (row.count("gender")) ex.gender = row.at("gender");
  if (row.count("split")) ex.split = row.at("split");
  try {
    ex.seconds = audio::probe_file(ex.path).seconds;
  } catch (const Error& e) {
    fail_at(ErrorCode::Audio, where, e.what());
  }
  return ex;
}

// A column hidden by a mapping keeps its place in the row but no longer names a dimension.
std::string hidden(const std::string& name) { return std::string("\x01") + name; }

// Applies ManifestRules::columns to column names (a CSV header or a JSON line's keys), in one pass
// over the original names (so two columns may swap dimensions). A dimension named by a mapping
// hides the column of its own name; two columns mapped to one dimension are refused.
void map_columns(std::vector<std::string>& names, const std::map<std::string, std::string>& columns,
                 const std::string& where, bool each_required) {
  std::map<std::string, std::string> target_of;
  for (const auto& [from, to] : columns) {
    if (std::find(kDefaultDimensions.begin(), kDefaultDimensions.end(), to) == kDefaultDimensions.end())
      fail_at(ErrorCode::Input, where,
              "columns maps '" + from + "' to '" + to + "', which is not arousal, dominance or valence");
    if (target_of.count(to))
      fail_at(ErrorCode::Input, where, "columns maps both '" + target_of[to] + "' and '" + from + "' to " + to);
    target_of[to] = from;
    if (each_required && std::find(names.begin(), names.end(), from) == names.end())
      fail_at(ErrorCode::Input, where, "column '" + from + "' (named in columns) is not in the header");
  }
  for (auto& n : names) {
    auto mapped = columns.find(n);
    if (mapped != columns.end()) n = mapped->second;
    else if (target_of.count(n)) n = hidden(n);
  }
}

std::vector<std::string> dims_in(const std::vector<std::string>& columns) {
  std::vector<std::string> dims;
  for (const auto& d : kDefaultDimensions)
    if (std::find(columns.begin(), columns.end(), d) != columns.end()) dims.push_back(d);
  return dims;
}

}  // namespace

Manifest read_manifest(const std::string& path, const LabelRange& range, bool require_labels) {
  ManifestRules rules;
  rules.require_labels = require_labels;
  return read_manifest(path, range, rules);
}

Manifest read_manifest(const std::string& path, const LabelRange& range, const ManifestRules& rules) {
  const bool require_labels = rules.require_labels;
  if (!(range.max > range.min)) throw Error(ErrorCode::Input, "labelRange must have max > min");
  // A FIFO or device would block the read (or never end): only regular files, of a bounded size.
  struct stat st {};
  if (::stat(path.c_str(), &st) != 0) throw Error(ErrorCode::Input, "manifest not found: " + path);
  if (!S_ISREG(st.st_mode))
    throw Error(ErrorCode::Input, "manifest " + path + " is not a regular file (a FIFO, device or folder)");
  if (st.st_size > kMaxManifestBytes)
    throw Error(ErrorCode::Input, "manifest " + path + " is " + std::to_string(st.st_size) + " bytes, more than the " +
                                      std::to_string(kMaxManifestBytes) + " a manifest may have");
  std::ifstream in(path, std::ios::binary);
  if (!in) throw Error(ErrorCode::Input, "manifest not found: " + path);
  Manifest m;
  m.source = path;
  const fs::path base = fs::path(path).parent_path();
  const bool jsonl =
      path.size() >= 6 && (path.substr(path.size() - 6) == ".jsonl" || path.substr(path.size() - 5) == ".json");
  // Lines end in \n, \r\n or a lone \r (old Mac exports); a UTF-8 BOM (Excel) is not part of the header.
  std::string text((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  if (text.rfind("\xEF\xBB\xBF", 0) == 0) text.erase(0, 3);
  // One record: a line, or in CSV several when a quoted field holds line breaks (RFC 4180).
  // `first_line` is where the record starts, for messages; `lines` counts the lines consumed.
  size_t pos = 0;
  int lines = 0, first_line = 0;
  auto next_line = [&](std::string& out) {
    if (pos >= text.size()) return false;
    out.clear();
    first_line = lines + 1;
    bool quoted = false;
    while (pos < text.size()) {
      const char c = text[pos];
      if (c == '"' && !jsonl) quoted = !quoted;  // a doubled quote toggles twice: no net change
      if ((c == '\r' || c == '\n') && !quoted) break;
      if (c == '\r' || c == '\n') {
        ++lines;
        if (c == '\r' && pos + 1 < text.size() && text[pos + 1] == '\n') ++pos;
        out += '\n';
        ++pos;
        continue;
      }
      out += c;
      ++pos;
    }
    ++lines;
    if (pos < text.size()) pos += (text[pos] == '\r' && pos + 1 < text.size() && text[pos + 1] == '\n') ? 2 : 1;
    return true;
  };
  std::string line;
  int n = 0;
  std::vector<std::string> header;
  while (next_line(line)) {
    n = first_line;
    const std::string where = path + ":" + std::to_string(n);
    if (line.find_first_not_of(" \t\r") == std::string::npos) continue;
    Row row;
    if (jsonl) {
      nlohmann::json j = parse_untrusted_json(line, [&](const std::string& m) { fail_at(ErrorCode::Input, where, m); },
                                              {/*refuse_duplicate_keys=*/true});
      if (!j.is_object()) fail_at(ErrorCode::Input, where, "expected a JSON object");
      std::vector<std::string> keys;
      for (auto it = j.begin(); it != j.end(); ++it) keys.push_back(it.key());
      map_columns(keys, rules.columns, where, /*each_required=*/false);
      size_t k = 0;
      for (auto it = j.begin(); it != j.end(); ++it, ++k)
        row[keys[k]] = it.value().is_string() ? it.value().get<std::string>() : it.value().dump();
      if (m.examples.empty() && m.skipped.empty()) {
        // A mapped column may first appear on a later line: its dimension is the manifest's anyway.
        for (const auto& [from, to] : rules.columns) keys.push_back(to);
        m.dimensions = dims_in(keys);
        if (m.dimensions.empty() && require_labels)
          fail_at(ErrorCode::Input, where, "no arousal, dominance or valence field");
      }
    } else {
      auto fields = split_csv(line, where);
      if (header.empty()) {
        header = fields;
        for (size_t i = 0; i < header.size(); ++i)
          if (!header[i].empty() && std::find(header.begin(), header.begin() + i, header[i]) != header.begin() + i)
            fail_at(ErrorCode::Input, where, "column '" + header[i] + "' appears twice");
        map_columns(header, rules.columns, where, /*each_required=*/true);
        m.dimensions = dims_in(header);
        if (m.dimensions.empty() && require_labels)
          fail_at(ErrorCode::Input, where, "header has no arousal, dominance or valence column");
        continue;
      }
      if (fields.size() != header.size())
        fail_at(ErrorCode::Input, where,
                "expected " + std::to_string(header.size()) + " fields, got " + std::to_string(fields.size()));
      for (size_t i = 0; i < fields.size(); ++i) row[header[i]] = fields[i];
    }
    try {
      m.examples.push_back(make_example(row, m.dimensions, range, base, where, rules));
    } catch (const Error& e) {
      if (!rules.skip_unreadable_audio || e.code() != ErrorCode::Audio) throw;
      std::string file;
      for (const auto& col : kPathColumns)
        if (row.count(col) && !row.at(col).empty()) file = row.at(col);
      m.skipped.push_back({file, n, e.what()});
      continue;
    }
    m.examples.back().line = n;
  }
  if (m.examples.empty() && !m.skipped.empty())
    throw Error(ErrorCode::Audio,
                path + ": no row has a readable audio file (first: " + m.skipped.front().reason + ")");
  if (m.examples.empty()) throw Error(ErrorCode::Input, path + ": manifest has no rows");
  return m;
}

Manifest filter_split(const Manifest& m, const std::vector<std::string>& splits) {
  const bool has_split =
      std::any_of(m.examples.begin(), m.examples.end(), [](const Example& e) { return !e.split.empty(); });
  if (!has_split) return m;
  Manifest out{m.source, m.dimensions, {}, {}};
  for (const auto& e : m.examples)
    if (std::find(splits.begin(), splits.end(), e.split) != splits.end()) out.examples.push_back(e);
  if (out.examples.empty()) throw Error(ErrorCode::Input, m.source + ": no rows with split " + splits.front());
  return out;
}

}  // namespace ser::train
