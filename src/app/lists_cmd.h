// SPDX-License-Identifier: Apache-2.0
// `tdv lists ...`: administration of the lost-and-stolen lists.
#ifndef TDV_APP_LISTS_CMD_H_
#define TDV_APP_LISTS_CMD_H_

#include <CLI/CLI.hpp>
#include <functional>
#include <string>

#include "config.h"

namespace tdv::app {

// Adds the `lists` subcommand tree to `parent`. `load` gives the resolved
// configuration; `store_flag` is the --store override. Returns a function
// that runs whichever lists subcommand was parsed (exit code), or -1 if none.
std::function<int()> AddListsCommands(CLI::App& parent, std::function<Result<Config>()> load,
                                      const std::string& store_flag,
                                      const std::function<void(CLI::App*)>& add_common);

}  // namespace tdv::app

#endif  // TDV_APP_LISTS_CMD_H_
