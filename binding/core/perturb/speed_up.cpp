#include "perturb/speed_up.h"

#include <cmath>

#include "audio/audio_file.h"

namespace ser::perturb {

std::vector<float> speed_up_segment(const std::vector<float>& x, std::size_t start, std::size_t length, double factor) {
  const auto squeezed = static_cast<std::size_t>(std::llround(static_cast<double>(length) / factor));
  std::vector<float> out(x.begin(), x.begin() + static_cast<std::ptrdiff_t>(start));
  if (length > 0 && squeezed > 0) {
    // The lengths as the two rates: the resampler then returns exactly `squeezed` samples.
    const auto part =
        audio::resample(x.data() + start, length, static_cast<double>(length), static_cast<double>(squeezed));
    out.insert(out.end(), part.begin(), part.end());
  }
  out.insert(out.end(), x.begin() + static_cast<std::ptrdiff_t>(start + length), x.end());
  return out;
}

}  // namespace ser::perturb
