// JSON from files we do not control (configs, safetensors headers, manifest rows). Nesting
// deeper than kMaxJsonDepth is refused while parsing: a value nested 200,000 deep overflowed the
// stack in nlohmann's recursive dump() when an error message quoted it. Duplicate keys can be
// refused too (nlohmann silently keeps the last one).
#pragma once
#include <functional>
#include <set>
#include <stdexcept>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

namespace ser {

constexpr int kMaxJsonDepth = 64;

struct UntrustedJsonRules {
  bool refuse_duplicate_keys = false;
};

// `fail(message)` must throw (the caller's typed error naming its file); it is called for
// invalid JSON, too deep nesting and, when refused, a duplicate key.
// (Inline: small, and used by the config, checkpoint and manifest readers alike.)
inline nlohmann::json parse_untrusted_json(const std::string& text, const std::function<void(const std::string&)>& fail,
                                           UntrustedJsonRules rules = {}) {
  using json = nlohmann::json;
  std::vector<std::set<std::string>> keys;  // one set per open object
  std::string problem;
  auto cb = [&](int depth, json::parse_event_t ev, json& parsed) {
    if (!problem.empty()) return false;
    if ((ev == json::parse_event_t::object_start || ev == json::parse_event_t::array_start) && depth >= kMaxJsonDepth) {
      problem = "JSON nested deeper than " + std::to_string(kMaxJsonDepth) + " levels";
      throw std::length_error(problem);  // stops the parser before it goes deeper
    }
    if (!rules.refuse_duplicate_keys) return true;
    if (ev == json::parse_event_t::object_start) keys.emplace_back();
    if (ev == json::parse_event_t::object_end && !keys.empty()) keys.pop_back();
    if (ev == json::parse_event_t::key && !keys.empty() && !keys.back().insert(parsed.get<std::string>()).second)
      problem = "JSON names the key '" + parsed.get<std::string>() + "' twice";
    return true;
  };
  json j;
  try {
    j = json::parse(text, cb);
  } catch (const json::exception& e) {
    fail(std::string("invalid JSON: ") + e.what());
  } catch (const std::length_error&) {
    // problem says why
  }
  if (!problem.empty()) fail(problem);
  return j;
}

}  // namespace ser
