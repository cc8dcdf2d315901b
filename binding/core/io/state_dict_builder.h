// The format-independent half of reading torch.save files: from an unpickled object graph to
// checked float32 tensors. The zip and the legacy readers differ only in where a storage's bytes
// lie, which they supply as a StorageReader.
#pragma once
#include <functional>
#include <string>

#include <ATen/ATen.h>

#include "io/pickle_machine.h"
#include "io/safetensors.h"

namespace ser::io::detail {

// Allocates and fills one whole storage (numel elements of dtype), checking its bytes exist.
// `tensor_name` is the first state-dict key that needs it, for error messages.
using StorageReader =
    std::function<at::Tensor(const std::string& tensor_name, const PickleObject& storage, at::ScalarType dtype)>;

// torch's storage class name ("torch.FloatStorage") -> dtype; ERR_CHECKPOINT for other names.
at::ScalarType storage_dtype(const std::string& path, const std::string& type_name);

// The graph's root must be a dict of tensors (nested dicts flattened with '.'), or, when `entry`
// names one of its keys, that entry must be. Floating-point tensors and BatchNorm's int64
// num_batches_tracked come back as float32; every view is checked against its storage first.
NamedTensors build_state_dict(const std::string& path, const Unpickled& graph, const std::string& entry,
                              const StorageReader& read_storage);

}  // namespace ser::io::detail
