// A perturbation as the user describes it: a JSON object with a `type` and that type's fields,
// checked strictly (unknown types and fields, wrong JSON types, values out of range are
// ser::Error(ErrorCode::Input) naming the field, e.g. "perturb.snrDb must be ..."). No file is
// looked at here; perturbation.h checks the noise clips. Free of JSON types in its interface, so
// the N-API layer can include it.
//
// Fields (camelCase, as lib/perturb.ts's PerturbSpec; "levels": a number, or a non-empty array of
// numbers of which one is drawn per input):
//   noise     snrDb (levels), and either clips (audio files) or builtin ('white'|'pink'|'babble')
//   speedup   factor (1.25), minFraction (0.1), maxFraction (0.2)
//   fade      percentPerSecond (2)
//   tone      peakSnrDb (levels), minHz (5000), maxHz (7000)
//   zeros     samples (levels, integers): appended at the end
//   crop      samples (levels, integers): removed from the start
//   clip      percent (levels): share of samples clipped
//   gain      db (levels)
//   highpass  cutoffHz (levels)
//   lowpass   cutoffHz (levels)
#pragma once
#include <string>
#include <vector>

namespace ser::perturb {

enum class Kind { Noise, SpeedUp, Fade, Tone, Zeros, Crop, Clip, Gain, HighPass, LowPass };
enum class BuiltinNoise { None, White, Pink, Babble };

// One value for every input, or several of which one is drawn per input.
using Levels = std::vector<double>;

struct Spec {
  Kind kind = Kind::Gain;
  Levels snr_db;                   // noise
  std::vector<std::string> clips;  // noise: files of one class
  BuiltinNoise builtin = BuiltinNoise::None;
  double factor = 1.25;  // speedup
  double min_fraction = 0.1, max_fraction = 0.2;
  double percent_per_second = 2.0;  // fade
  Levels peak_snr_db;               // tone
  double min_hz = 5000, max_hz = 7000;
  Levels samples;    // zeros, crop
  Levels percent;    // clip
  Levels db;         // gain
  Levels cutoff_hz;  // highpass, lowpass
};

// Parses and checks a spec given as JSON text.
Spec parse_spec(const std::string& json_text);

// The `type` string of a kind ("noise", "speedup", ...).
const char* kind_name(Kind kind);

}  // namespace ser::perturb
