#include "corpus/load_files.h"

#include <exception>
#include <new>

#include "audio/audio_file.h"
#include "audio/audio_probe.h"
#include "error.h"

namespace ser::corpus {
namespace {

// Runs `load`, turning what it throws into a FileProblem naming the file.
template <typename F>
FileProblem guarded(const std::string& path, F&& load) {
  try {
    load();
    return {};
  } catch (const Error& e) {
    return {error_code_name(e.code()), e.what()};
  } catch (const std::bad_alloc&) {
    return {"ERR_AUDIO", path + ": out of memory while decoding"};
  } catch (const std::exception& e) {
    return {"ERR_AUDIO", path + ": " + e.what()};
  }
}

}  // namespace

DecodedFile decode_file(const std::string& path, int rate) {
  DecodedFile out;
  out.problem = guarded(path, [&] { out.samples = audio::load_mono(path, rate); });
  if (!out.problem.code.empty()) std::vector<float>().swap(out.samples);
  return out;
}

ProbedFile probe_file(const std::string& path) {
  ProbedFile out;
  out.problem = guarded(path, [&] { out.seconds = audio::probe_file(path).seconds; });
  return out;
}

}  // namespace ser::corpus
