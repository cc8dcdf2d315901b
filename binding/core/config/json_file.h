// Reading small text files (configs) with errors that name the file.
#pragma once
#include <string>

#include "error.h"

namespace ser {

// Reads a whole file; a missing/unreadable file is ser::Error(code) naming `path`.
std::string read_text_file(const std::string& path, ErrorCode code);
bool file_exists(const std::string& path);
// Writes through a temporary file and a rename, so a reader never sees half a file.
void write_text_file_atomic(const std::string& path, const std::string& text);

}  // namespace ser
