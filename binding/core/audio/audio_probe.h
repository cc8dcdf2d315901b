// Duration of an audio file from its header, without decoding it (for manifests and bucketing).
#pragma once
#include <string>

namespace ser::audio {

struct AudioProbe {
  double seconds = 0;
  int sample_rate = 0;
  int channels = 0;
};

// ser::Error(ERR_AUDIO) naming the file when libsndfile cannot open it.
AudioProbe probe_file(const std::string& path);

}  // namespace ser::audio
