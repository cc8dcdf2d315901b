// The emotion dimensions of this package, in the order of a head's outputs and of the manifest
// columns read. A model head without labels of its own gets these.
#pragma once
#include <string>
#include <vector>

namespace ser {

inline const std::vector<std::string> kDefaultDimensions{"arousal", "dominance", "valence"};

}  // namespace ser
