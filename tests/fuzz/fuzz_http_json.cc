// SPDX-License-Identifier: Apache-2.0
// Fuzz target: untrusted request bodies and strings the report echoes.
// Input byte 0 picks the path: even -> the bytes as a verify request or a
// batch item (ParseVerifyRequestJson, with and without an "id"): a result
// or an error, never a crash, and an id is itself valid JSON; odd -> the
// bytes as a string in the report's JSON writer, whose output must always be
// valid JSON that reads back to the bytes, the non-UTF-8 ones replaced.
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <nlohmann/json.hpp>
#include <string>
#include <string_view>

#include "json_writer.h"
#include "tdv/http/report_json.h"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  if (size == 0) return 0;
  const std::string_view rest(reinterpret_cast<const char*>(data + 1), size - 1);
  if (data[0] % 2 == 0) {
    (void)tdv::http::ParseVerifyRequestJson(rest);
    std::string id;
    (void)tdv::http::ParseVerifyRequestJson(rest, &id);
    if (!id.empty() && nlohmann::json::parse(id, nullptr, false).is_discarded()) std::abort();
  } else {
    tdv::http::internal::JsonWriter one;
    one.Value(rest);
    const std::string out = one.Take();
    const nlohmann::json j = nlohmann::json::parse(out, nullptr, false);
    if (j.is_discarded() || !j.is_string()) std::abort();
    // Valid UTF-8 in (nlohmann's dump throws on anything else), the same
    // text back.
    try {
      (void)nlohmann::json(std::string(rest)).dump();
    } catch (const nlohmann::json::exception&) {
      return 0;  // not UTF-8: replaced, so not the same bytes
    }
    if (j.get<std::string>() != rest) std::abort();
  }
  return 0;
}
