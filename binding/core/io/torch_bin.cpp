// pytorch_model.bin (torch >= 1.6) is a zip of stored records: <archive>/data.pkl (a pickle of the state dict whose
// tensors point at storages by key) and <archive>/data/<key> (raw little-endian storage bytes).
//
// libtorch 1.13's own unpickler (torch::pickle_load) cannot read what torch.save writes for a real
// state dict: it rejects SETITEM (any one-entry dict, including those inside state_dict()'s
// `_metadata`) and fails on the BUILD that attaches `_metadata`. It also trusts the pickle's sizes
// (a view past its storage reads out of bounds) and the zip's sizes (allocations the file does not
// back). So we read the zip ourselves (zip_archive.h) and run a small pickle machine that knows only
// containers, scalars, strings and torch's tensor-rebuild functions (pickle_machine.h): nothing from
// the file is ever executed. This file finds the pickle and the storages in the zip; turning the
// unpickled state dict into checked tensors is state_dict_builder's job, the legacy format torch_legacy's.
#include "io/torch_bin.h"

#include <cstring>
#include <vector>

#include <ATen/ATen.h>

#include "error.h"
#include "io/pickle_machine.h"
#include "io/state_dict_builder.h"
#include "io/torch_legacy.h"
#include "io/zip_archive.h"

namespace ser::io {
namespace {

using detail::build_state_dict;
using detail::PickleObject;
using detail::unpickle;
using detail::Unpickled;

// Reads the whole zip-format file; the result owns its memory.
NamedTensors load_zip(BoundedFile& f, const std::string& entry) {
  const ZipIndex zip = read_zip_index(f);
  std::string archive;  // torch names the top folder after the file; data.pkl sits in it
  for (const auto& n : zip.names) {
    const auto slash = n.find('/');
    if (slash != std::string::npos && n.compare(slash, std::string::npos, "/data.pkl") == 0) {
      archive = n.substr(0, slash + 1);
      break;
    }
  }
  if (archive.empty())
    fail_at(ErrorCode::Checkpoint, f.path(), "zip archive has no <name>/data.pkl record: not written by torch.save");
  if (auto it = zip.records.find(archive + "byteorder"); it != zip.records.end()) {
    if (it->second.size > 16) fail_at(ErrorCode::Checkpoint, f.path(), "byteorder record is malformed");
    std::string order(it->second.size, '\0');
    read_zip_record(f, it->first, it->second, order.data());
    if (order != "little")
      fail_at(ErrorCode::Checkpoint, f.path(),
              "was saved on a '" + order + "'-endian machine; only little-endian is read");
  }
  constexpr uint64_t kMaxPickle = 256ull << 20;
  const ZipRecord& pkl = zip.records.at(archive + "data.pkl");
  if (pkl.size > kMaxPickle)
    fail_at(ErrorCode::Checkpoint, f.path(),
            "data.pkl of " + std::to_string(pkl.size) + " bytes is over the 256 MB limit");
  std::vector<unsigned char> pickle(pkl.size);
  read_zip_record(f, archive + "data.pkl", pkl, pickle.data());

  const Unpickled graph = unpickle(f.path() + ": data.pkl", pickle);
  auto read_storage = [&](const std::string& name, const PickleObject& s, at::ScalarType dtype) {
    const std::string rec = archive + "data/" + s.text;
    const auto it = zip.records.find(rec);
    const uint64_t have = it == zip.records.end() ? 0 : it->second.size;
    if (it == zip.records.end() && s.numel > 0)
      fail_at(ErrorCode::Checkpoint, f.path(), "'" + name + "' needs zip record '" + rec + "', which is missing");
    // numel <= file size first, so the byte count cannot wrap.
    if (static_cast<uint64_t>(s.numel) > f.size() || have != static_cast<uint64_t>(s.numel) * at::elementSize(dtype))
      fail_at(ErrorCode::Checkpoint, f.path(),
              "'" + name + "': storage '" + s.text + "' should hold " + std::to_string(s.numel) + " elements of " +
                  std::string(c10::toString(dtype)) + " but record '" + rec + "' has " + std::to_string(have) +
                  " bytes");
    at::Tensor raw = at::empty({s.numel}, at::TensorOptions().dtype(dtype));
    if (have > 0) read_zip_record(f, rec, it->second, raw.data_ptr());
    return raw;
  };
  return build_state_dict(f.path(), graph, entry, read_storage);
}

}  // namespace

NamedTensors read_torch_bin(const std::string& path, const std::string& entry) {
  BoundedFile f(path);
  unsigned char magic[4] = {0, 0, 0, 0};
  if (f.size() >= 4) f.read(0, magic, 4, "file signature");
  const bool zip = std::memcmp(magic, "PK\x03\x04", 4) == 0;
  if (!zip && magic[0] != 0x80)  // neither a zip nor a pickle stream (the legacy format)
    fail_at(ErrorCode::Checkpoint, path,
            "is not a torch.save file (" + std::to_string(f.size()) + " bytes, no zip or pickle signature)");
  try {
    return zip ? load_zip(f, entry) : detail::load_legacy(f, entry);
  } catch (const c10::Error& e) {  // from at::empty/as_strided on sizes that passed our checks
    fail_at(ErrorCode::Checkpoint, path, e.what_without_backtrace());
  } catch (const std::bad_alloc&) {
    fail_at(ErrorCode::Checkpoint, path, "out of memory while reading tensors");
  }
}

}  // namespace ser::io
