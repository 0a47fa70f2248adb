// SPDX-License-Identifier: Apache-2.0
// The exit codes of every `tdv` command (documented in the README).
#ifndef TDV_APP_EXIT_CODES_H_
#define TDV_APP_EXIT_CODES_H_

namespace tdv::app {

constexpr int kExitOk = 0;             // check: verdict clear; other commands: done
constexpr int kExitNotClear = 1;       // check: reject or review; lists import: bad rows, nothing
                                       // changed; exchange confirm: no record has the reference
constexpr int kExitUsage = 2;          // bad flags, unreadable input, broken configuration
constexpr int kExitNoMrz = 3;          // check IMAGE: no MRZ in the image
constexpr int kExitDenied = 4;         // lists: the list belongs to another source
constexpr int kExitUnavailable = 5;    // lists: the store cannot be reached; the audit trail failed
constexpr int kExitInterrupted = 130;  // bulk: stopped by Ctrl-C (run again to resume)

}  // namespace tdv::app

#endif  // TDV_APP_EXIT_CODES_H_
