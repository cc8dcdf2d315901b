// libmpg123 (libsndfile's MP3 decoder) prints its own warnings ("Cannot read next header, a
// one-frame stream? Duh...", "dequantization failed!") to the process's stderr unless a handle
// has MPG123_QUIET. libsndfile creates the handles and offers no setting for it, so this file
// provides mpg123_new: the dynamic linker binds libsndfile's call to it (the addon comes before
// libmpg123 in its lookup scope), and it sets MPG123_QUIET on each handle libmpg123 makes.
// SER_TORCH_DECODER_VERBOSE=1 in the environment leaves libmpg123's messages on (debugging).
#pragma once

namespace ser::audio {

// True when MP3 handles are made quiet (the interposer is linked and found libmpg123's own
// functions); referenced by the readers so the linker keeps this file in the addon.
bool mp3_decoder_quiet();

}  // namespace ser::audio
