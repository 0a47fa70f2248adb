// SPDX-License-Identifier: Apache-2.0
// `tdv exchange confirm REF`: agency A's operator finds the record a
// partner's hit names (docs/exchange.md, "Confirm the hit").
#ifndef TDV_APP_EXCHANGE_CMD_H_
#define TDV_APP_EXCHANGE_CMD_H_

#include <CLI/CLI.hpp>
#include <functional>

#include "config.h"

namespace tdv::app {

// Registers the subcommands; the returned function runs the one parsed
// (returns -1 when none was).
std::function<int()> AddExchangeCommands(CLI::App& parent, std::function<Result<Config>()> load,
                                         const std::function<void(CLI::App*)>& add_common);

}  // namespace tdv::app

#endif  // TDV_APP_EXCHANGE_CMD_H_
