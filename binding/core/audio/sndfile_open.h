// Opening an audio file for reading with libsndfile, under the checks every reader of whole files
// applies before it decodes anything: a regular file (not a FIFO), a header within bounds, a WAV
// data chunk that the file really holds. Used by stream_decoder.cpp (and meant for audio_file.cpp).
#pragma once
#include <sndfile.h>

#include <memory>
#include <string>

#include "error.h"

namespace ser::audio {

// The error every audio reader throws: ErrorCode::Audio, "<path>: <cause>".
inline Error audio_error(const std::string& path, const std::string& cause) {
  return Error(ErrorCode::Audio, path + ": " + cause);
}

struct SndfileCloser {
  void operator()(SNDFILE* f) const { sf_close(f); }
};
using SndfilePtr = std::unique_ptr<SNDFILE, SndfileCloser>;

// Opens `path` and fills `info`. ser::Error(ErrorCode::Audio) naming the path: missing, a folder,
// empty, not audio, a header out of bounds, or a WAV whose header claims more data than the file has.
SndfilePtr open_for_reading(const std::string& path, SF_INFO& info);

// MP3 headers only estimate the length (mpg123's guess from the first frame's bitrate), so a
// shorter decode is not a cut file there. SF_FORMAT_MPEG spelled out for headers before 1.1.
inline bool is_mpeg(const SF_INFO& info) { return (info.format & SF_FORMAT_TYPEMASK) == 0x230000; }

}  // namespace ser::audio
