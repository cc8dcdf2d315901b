#include "audio/sndfile_open.h"

#include <cstdio>
#include <filesystem>
#include <system_error>

#include "audio/header_rules.h"
#include "audio/mpg123_quiet.h"
#include "error.h"

namespace ser::audio {
namespace {

// libsndfile's open error is a bare "Format not recognised"; say first whether the file is there at all.
[[noreturn]] void throw_open_error(const std::string& path) {
  const std::string lib = sf_strerror(nullptr);
  std::error_code ec;
  const auto st = std::filesystem::status(path, ec);
  if (!std::filesystem::exists(st)) throw audio_error(path, "no such file");
  if (std::filesystem::is_directory(st)) throw audio_error(path, "is a directory, not an audio file");
  if (std::filesystem::is_regular_file(st) && std::filesystem::file_size(path, ec) == 0 && !ec)
    throw audio_error(path, "contains no samples (the file is empty)");
  // libsndfile says "possibly a pipe?" of MP3 data it cannot decode; the file is regular here.
  if (lib.find("not a regular file") != std::string::npos)
    throw audio_error(path, "cannot read audio: not a format that can be decoded here, or the file is damaged");
  throw audio_error(path, "cannot read audio: " + lib);
}

// libsndfile silently clamps a WAV data chunk that claims more bytes than the file holds and only
// logs "data : <claimed> (should be <actual>)". Such a file was cut short (partial copy/download),
// so it is rejected rather than half-read. 0xFFFFFFFF is the size streaming writers leave behind
// when they never patch the header; those files are whole and are read to EOF.
void check_truncated(SNDFILE* f, const std::string& path) {
  char log[4096] = {0};
  sf_command(f, SFC_GET_LOG_INFO, log, sizeof log);
  const std::string text(log);
  for (std::size_t pos = 0; pos < text.size();) {
    const std::size_t eol = text.find('\n', pos);
    const std::string line = text.substr(pos, eol == std::string::npos ? std::string::npos : eol - pos);
    pos = eol == std::string::npos ? text.size() : eol + 1;
    long long claimed = 0, actual = 0;
    if (std::sscanf(line.c_str(), "data : %lld (should be %lld)", &claimed, &actual) == 2 && claimed > actual &&
        claimed != 0xFFFFFFFFLL)
      throw audio_error(path, "is truncated: the header claims " + std::to_string(claimed) +
                                  " bytes of audio data, the file holds " + std::to_string(actual));
  }
}

}  // namespace

SndfilePtr open_for_reading(const std::string& path, SF_INFO& info) {
  require_regular_file(path);
  (void)mp3_decoder_quiet();  // keeps libmpg123's messages off the host's stderr
  info = SF_INFO{};
  SndfilePtr file(sf_open(path.c_str(), SFM_READ, &info));
  if (!file) throw_open_error(path);
  check_header(path, info.samplerate, info.channels);
  check_truncated(file.get(), path);
  return file;
}

}  // namespace ser::audio
