#include "perturb/perturbation_spec.h"

#include <cmath>
#include <set>

#include <nlohmann/json.hpp>

#include "config/untrusted_json.h"
#include "error.h"
#include "message_text.h"

namespace ser::perturb {
namespace {

using nlohmann::json;

// Far above any useful list; low enough that a hostile spec cannot make the check slow.
constexpr std::size_t kMaxLevels = 1000;
constexpr std::size_t kMaxClips = 1000000;

struct KindInfo {
  Kind kind;
  const char* name;
  std::vector<std::string> fields;  // besides `type`
};

const std::vector<KindInfo>& kinds() {
  static const std::vector<KindInfo> table{
      {Kind::Noise, "noise", {"snrDb", "clips", "builtin"}},
      {Kind::SpeedUp, "speedup", {"factor", "minFraction", "maxFraction"}},
      {Kind::Fade, "fade", {"percentPerSecond"}},
      {Kind::Tone, "tone", {"peakSnrDb", "minHz", "maxHz"}},
      {Kind::Zeros, "zeros", {"samples"}},
      {Kind::Crop, "crop", {"samples"}},
      {Kind::Clip, "clip", {"percent"}},
      {Kind::Gain, "gain", {"db"}},
      {Kind::HighPass, "highpass", {"cutoffHz"}},
      {Kind::LowPass, "lowpass", {"cutoffHz"}},
  };
  return table;
}

[[noreturn]] void fail(const std::string& message) { throw Error(ErrorCode::Input, "perturb" + message); }

// A JSON value as a message quotes it: short, whatever its size.
std::string shown(const json& v) {
  std::string text = v.dump();
  if (text.size() > 40) text = text.substr(0, 37) + "...";
  return text;
}

std::string range_text(double lo, double hi) { return "[" + compact_number(lo) + ", " + compact_number(hi) + "]"; }

struct Range {
  double lo, hi;
  bool integer = false;
};

std::string what(const Range& r) {
  return std::string(r.integer ? "an integer" : "a finite number") + " in " + range_text(r.lo, r.hi);
}

bool fits(const json& v, const Range& r) {
  if (!v.is_number()) return false;
  const double d = v.get<double>();
  return std::isfinite(d) && d >= r.lo && d <= r.hi && (!r.integer || d == std::floor(d));
}

double number(const json& spec, const char* field, const Range& r, double fallback) {
  if (!spec.contains(field)) return fallback;
  const json& v = spec.at(field);
  if (!fits(v, r)) fail(std::string(".") + field + " must be " + what(r) + ", got " + shown(v));
  return v.get<double>();
}

Levels levels(const json& spec, const char* field, const Range& r) {
  if (!spec.contains(field)) fail(std::string(".") + field + " is required");
  const json& v = spec.at(field);
  if (v.is_array()) {
    if (v.empty() || v.size() > kMaxLevels)
      fail(std::string(".") + field + " must be " + what(r) + " or a non-empty array of them (at most " +
           std::to_string(kMaxLevels) + "), got an array of " + std::to_string(v.size()));
    Levels out;
    for (std::size_t i = 0; i < v.size(); ++i) {
      if (!fits(v[i], r))
        fail(std::string(".") + field + "[" + std::to_string(i) + "] must be " + what(r) + ", got " + shown(v[i]));
      out.push_back(v[i].get<double>());
    }
    return out;
  }
  if (!fits(v, r))
    fail(std::string(".") + field + " must be " + what(r) + " or a non-empty array of them, got " + shown(v));
  return {v.get<double>()};
}

std::vector<std::string> clip_list(const json& v) {
  if (!v.is_array() || v.empty() || v.size() > kMaxClips)
    fail(".clips must be a non-empty array of audio file paths, got " + shown(v));
  std::vector<std::string> out;
  for (std::size_t i = 0; i < v.size(); ++i) {
    if (!v[i].is_string() || v[i].get<std::string>().empty())
      fail(".clips[" + std::to_string(i) + "] must be a non-empty string (an audio file), got " + shown(v[i]));
    out.push_back(v[i].get<std::string>());
  }
  return out;
}

BuiltinNoise builtin(const json& v) {
  if (v == "white") return BuiltinNoise::White;
  if (v == "pink") return BuiltinNoise::Pink;
  if (v == "babble") return BuiltinNoise::Babble;
  fail(".builtin must be one of 'white', 'pink', 'babble', got " + shown(v));
}

const KindInfo& kind_of(const json& spec) {
  std::string names;
  for (const auto& k : kinds()) names += std::string(names.empty() ? "" : ", ") + "'" + k.name + "'";
  if (!spec.contains("type")) fail(".type is required (one of " + names + ")");
  const json& t = spec.at("type");
  for (const auto& k : kinds())
    if (t.is_string() && t.get<std::string>() == k.name) return k;
  fail(".type must be one of " + names + ", got " + shown(t));
}

void refuse_unknown_fields(const json& spec, const KindInfo& k) {
  const std::set<std::string> allowed(k.fields.begin(), k.fields.end());
  for (const auto& item : spec.items()) {
    if (item.key() == "type" || allowed.count(item.key())) continue;
    std::string list = "type";
    for (const auto& f : k.fields) list += ", " + f;
    fail("." + item.key() + " is not a field of a '" + k.name + "' perturbation (its fields: " + list + ")");
  }
}

const Range kSnr{-100, 200};
const Range kHz{1, 192000};

Spec from_json(const json& j) {
  if (!j.is_object()) fail(" must be a JSON object with a 'type', got " + shown(j));
  const KindInfo& k = kind_of(j);
  refuse_unknown_fields(j, k);
  Spec s;
  s.kind = k.kind;
  switch (k.kind) {
    case Kind::Noise: {
      s.snr_db = levels(j, "snrDb", kSnr);
      const bool clips = j.contains("clips"), named = j.contains("builtin");
      if (clips == named)
        fail(": a 'noise' perturbation takes either clips (audio files) or builtin ('white', 'pink', 'babble'), " +
             std::string(clips ? "not both" : "neither was given"));
      if (clips) s.clips = clip_list(j.at("clips"));
      else s.builtin = builtin(j.at("builtin"));
      break;
    }
    case Kind::SpeedUp:
      s.factor = number(j, "factor", {0.25, 4}, s.factor);
      s.min_fraction = number(j, "minFraction", {0, 1}, s.min_fraction);
      s.max_fraction = number(j, "maxFraction", {0, 1}, s.max_fraction);
      if (s.min_fraction > s.max_fraction)
        fail(".minFraction (" + compact_number(s.min_fraction) + ") must not exceed perturb.maxFraction (" +
             compact_number(s.max_fraction) + ")");
      break;
    case Kind::Fade: s.percent_per_second = number(j, "percentPerSecond", {0, 100}, s.percent_per_second); break;
    case Kind::Tone:
      s.peak_snr_db = levels(j, "peakSnrDb", kSnr);
      s.min_hz = number(j, "minHz", kHz, s.min_hz);
      s.max_hz = number(j, "maxHz", kHz, s.max_hz);
      if (s.min_hz > s.max_hz)
        fail(".minHz (" + compact_number(s.min_hz) + ") must not exceed perturb.maxHz (" + compact_number(s.max_hz) +
             ")");
      break;
    case Kind::Zeros:
    case Kind::Crop: s.samples = levels(j, "samples", {0, 1e8, true}); break;
    case Kind::Clip: s.percent = levels(j, "percent", {0, 100}); break;
    case Kind::Gain: s.db = levels(j, "db", {-100, 100}); break;
    case Kind::HighPass:
    case Kind::LowPass: s.cutoff_hz = levels(j, "cutoffHz", kHz); break;
  }
  return s;
}

}  // namespace

Spec parse_spec(const std::string& json_text) {
  const json j = parse_untrusted_json(
      json_text, [](const std::string& problem) { fail(": " + problem); }, UntrustedJsonRules{true});
  return from_json(j);
}

const char* kind_name(Kind kind) {
  for (const auto& k : kinds())
    if (k.kind == kind) return k.name;
  return "?";
}

}  // namespace ser::perturb
