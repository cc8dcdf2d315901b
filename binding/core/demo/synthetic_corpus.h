// The demo's corpus: synthetic voiced sounds whose acoustics are driven by planted arousal,
// dominance and valence values, so that a model can learn them and its CCC can be checked.
//   arousal   -> breathiness (aspiration noise), syllable rate (2..8 Hz), pitch movement
//   dominance -> pitch (80..300 Hz)
//   valence   -> spectral tilt (dull .. bright glottal source) and less jitter
// Each speaker adds a small pitch offset and its own formant colour.
#pragma once
#include <cstdint>
#include <string>

namespace ser::demo {

struct CorpusOptions {
  std::string dir;
  int train = 480, dev = 120, test = 120;  // clips per split
  int speakers = 8;
  double min_seconds = 1.0, max_seconds = 2.0;
  uint64_t seed = 7;
};

struct CorpusFiles {
  std::string train, dev, test;  // CSV manifests (file, arousal, dominance, valence on [1, 7], speaker, gender)
};

// Writes 16 kHz PCM16 WAV files and the three manifests into options.dir.
CorpusFiles write_synthetic_corpus(const CorpusOptions& options);

}  // namespace ser::demo
