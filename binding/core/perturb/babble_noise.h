// Babble: several synthetic talkers at once. Each is a glottal pulse train (its own pitch and
// intonation) through three formant resonators that move from vowel to vowel at a syllable rate,
// with a syllable envelope and pauses. (The demo corpus's voice synthesis is private to
// demo/synthetic_corpus.cpp; these voices follow the same source-filter idea.)
#pragma once
#include <cstddef>
#include <vector>

#include "perturb/seeded_rng.h"

namespace ser::perturb {

constexpr int kBabbleVoices = 6;

std::vector<float> babble_noise(std::size_t n, double sample_rate, SeededRng& rng);

}  // namespace ser::perturb
