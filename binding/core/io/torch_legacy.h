// torch.save's legacy format (torch < 1.6, or _use_new_zipfile_serialization=False), which older
// checkpoints such as PANNs' use: five pickles in a row (magic number, protocol version 1001,
// sys_info, the object, the sorted storage keys), then each storage in key order as an int64
// element count followed by its raw little-endian bytes.
#pragma once
#include <string>

#include "io/safetensors.h"
#include "io/zip_archive.h"

namespace ser::io::detail {

// As read_torch_bin; `f` starts with the protocol-2 magic-number pickle.
NamedTensors load_legacy(BoundedFile& f, const std::string& entry);

}  // namespace ser::io::detail
