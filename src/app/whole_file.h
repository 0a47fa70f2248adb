// SPDX-License-Identifier: Apache-2.0
// Files of the data directory read and written whole: a file is replaced by
// a temporary one renamed over it, so that a reader (or a process killed
// half way) sees the old content or the new, never part of it.
#ifndef TDV_APP_WHOLE_FILE_H_
#define TDV_APP_WHOLE_FILE_H_

#include <filesystem>
#include <string>

#include "tdv/mrz/result.h"

namespace tdv::app {

// The bytes of `path` ("" when it cannot be read).
std::string ReadWhole(const std::filesystem::path& path);

// Writes `text` to `path` whole or not at all (PATH.tmp renamed over it);
// kUnavailable naming the file when it cannot.
Status WriteWhole(const std::filesystem::path& path, const std::string& text);

}  // namespace tdv::app

#endif  // TDV_APP_WHOLE_FILE_H_
