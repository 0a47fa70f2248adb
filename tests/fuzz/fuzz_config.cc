// SPDX-License-Identifier: Apache-2.0
// Fuzz target: the configuration file (src/app/config.h), as `tdv` reads it
// at start-up. Any bytes must give a Config or an error naming the file,
// never a crash or an exception; a Config taken must hold exactly what the
// file says: each integer setting the file's own number (not a value that
// wrapped into range), each within its documented range.
#include <unistd.h>

#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>
#include <string>

#include "config.h"

namespace {

// The file's integer `key` equals `got`, when the file has it.
void Same(const nlohmann::json& j, const char* key, std::int64_t got) {
  if (!j.is_object() || !j.contains(key)) return;
  const auto& v = j[key];
  if (v.is_number_unsigned()) {
    if (got < 0 || v.get<std::uint64_t>() != static_cast<std::uint64_t>(got)) std::abort();
  } else if (!v.is_number_integer() || v.get<std::int64_t>() != got) {
    std::abort();
  }
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::string bytes(reinterpret_cast<const char*>(data), size);
  static const std::filesystem::path dir =
      std::filesystem::temp_directory_path() / ("fuzz_config." + std::to_string(::getpid()));
  std::filesystem::create_directories(dir);
  const auto file = dir / "config.json";
  {
    std::ofstream out(file, std::ios::binary | std::ios::trunc);
    out << bytes;
  }
  const auto config = tdv::app::LoadConfig(dir, file.string());
  if (!config) {
    if (config.error().message.find(file.string()) == std::string::npos) std::abort();
    return 0;
  }
  const auto j = nlohmann::json::parse(bytes, nullptr, false);
  if (j.is_discarded() || !j.is_object()) std::abort();  // taken, so a JSON object
  const tdv::app::Config& c = *config;
  Same(j, "threads", c.threads);
  Same(j, "expiry_window_years", c.expiry_window_years);
  Same(j, "lists_refresh_seconds", c.lists_refresh_seconds);
  Same(j, "lists_max_staleness_seconds", c.lists_max_staleness_seconds);
  Same(j, "expiring_within_days", c.policy.expiring_within_days);
  Same(j, "minor_age", c.policy.minor_age);
  Same(j, "batch_threads", c.batch_threads);
  if (c.threads < 1 || c.threads > 1000 || c.batch_threads < 1 || c.batch_threads > 256 ||
      c.lists_refresh_seconds < 1 || c.lists_max_staleness_seconds < 1 || c.policy.minor_age < 0 ||
      c.policy.expiring_within_days < 0 || c.max_body_bytes < 1024 || c.batch_max_items < 1)
    std::abort();
  for (const auto& [role, rate] : c.rate_limits) {
    if (!(rate >= 0)) std::abort();
  }
  return 0;
}
