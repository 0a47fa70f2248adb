// SPDX-License-Identifier: Apache-2.0
// `tdv keys create|list|revoke`, and the key store every command shares.
#ifndef TDV_APP_KEYS_CMD_H_
#define TDV_APP_KEYS_CMD_H_

#include <CLI/CLI.hpp>
#include <filesystem>
#include <functional>
#include <memory>
#include <string>

#include "config.h"
#include "tdv/lists/key_store.h"

namespace tdv::app {

// The key store: the SQLite file of the lists store when that is SQLite
// (`store` overrides the configuration's), else DATA/keys.db.
Result<std::unique_ptr<lists::KeyStore>> OpenKeys(const Config& config, const std::string& store);

// On a store without keys: makes an admin key, writes it to `file` (created
// with mode 0600; an existing file is an error) and returns it; "" when the
// store has keys already.
Result<std::string> CreateFirstAdminKey(lists::KeyStore& store, const std::filesystem::path& file);

// Registers the subcommands; the returned function runs the one parsed
// (returns -1 when none was).
std::function<int()> AddKeysCommands(CLI::App& parent, std::function<Result<Config>()> load,
                                     const std::string& store,
                                     const std::function<void(CLI::App*)>& add_common);

}  // namespace tdv::app

#endif  // TDV_APP_KEYS_CMD_H_
