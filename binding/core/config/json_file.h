// Reading small text files (configs) with errors that name the file.
#pragma once
#include <string>

#include "error.h"

namespace ser {

// Reads a whole file; a missing/unreadable file is ser::Error(code) naming `path`.
std::string read_text_file(const std::string& path, ErrorCode code);
bool file_exists(const std::string& path);
// Writes through a temporary file and a rename, so a reader never sees half a file; the file and
// its folder are synced, so the new content survives a power loss once this returns.
void write_text_file_atomic(const std::string& path, const std::string& text);
// fsync of a file or folder (a folder's entries: what renames and new files changed in it).
// A file that cannot be synced is ser::Error(Io); a file system that cannot sync folders is not an error.
void sync_to_disk(const std::string& path);
// sync_to_disk of the folder holding `path`.
void sync_parent_folder(const std::string& path);

}  // namespace ser
