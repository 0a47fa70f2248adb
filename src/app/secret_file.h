// SPDX-License-Identifier: Apache-2.0
// A secret kept in a file of the data directory (the audit trail's MAC key,
// the exchange's OPRF key): 64 hex digits, made on first use (O_EXCL, so
// that two processes starting together cannot each make one), mode 0600.
#ifndef TDV_APP_SECRET_FILE_H_
#define TDV_APP_SECRET_FILE_H_

#include <filesystem>
#include <string>

#include "tdv/mrz/result.h"

namespace tdv::app {

// The secret in `file`, made when the file does not exist. `what` names it
// in errors ("an audit key"). kUnavailable when it cannot be read or made,
// or the file holds anything but 64 lower-case hex digits.
Result<std::string> ReadOrMakeSecret(const std::filesystem::path& file, const std::string& what);

}  // namespace tdv::app

#endif  // TDV_APP_SECRET_FILE_H_
