#include "audio/audio_probe.h"

#include <sndfile.h>

#include "audio/header_rules.h"
#include "error.h"

namespace ser::audio {

AudioProbe probe_file(const std::string& path) {
  require_regular_file(path);
  SF_INFO info{};
  SNDFILE* f = sf_open(path.c_str(), SFM_READ, &info);
  if (!f) throw Error(ErrorCode::Audio, path + ": cannot read audio: " + sf_strerror(nullptr));
  sf_close(f);
  check_header(path, info.samplerate, info.channels);
  AudioProbe p;
  p.sample_rate = info.samplerate;
  p.channels = info.channels;
  // MP3 headers may not know the length; 0 then means "unknown" and the file is decoded later.
  p.seconds =
      info.frames > 0 && info.frames < (sf_count_t{1} << 40) ? static_cast<double>(info.frames) / info.samplerate : 0;
  return p;
}

}  // namespace ser::audio
