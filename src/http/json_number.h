// SPDX-License-Identifier: Apache-2.0
// Integers read from JSON another party wrote (a partner's answers, its
// signed feed): nlohmann's get<T>() converts a number too large for T (a
// float of 4e19 read as an int64) with undefined behaviour, found by
// fuzz_feed_payload. These take a JSON integer within range or throw
// std::out_of_range, which the readers' catches turn into a refusal.
#ifndef TDV_HTTP_JSON_NUMBER_H_
#define TDV_HTTP_JSON_NUMBER_H_

#include <cstdint>
#include <limits>
#include <nlohmann/json.hpp>
#include <stdexcept>

namespace tdv::http::internal {

inline std::int64_t JsonInt64(const nlohmann::json& v) {
  if (v.is_number_unsigned()) {
    const auto u = v.get<std::uint64_t>();
    if (u <= static_cast<std::uint64_t>(std::numeric_limits<std::int64_t>::max()))
      return static_cast<std::int64_t>(u);
  } else if (v.is_number_integer()) {
    return v.get<std::int64_t>();
  }
  throw std::out_of_range("not an integer of 64 bits: " + v.dump());
}

// A count or index from 0 to `most`.
inline std::uint64_t JsonCount(const nlohmann::json& v, std::uint64_t most) {
  const std::int64_t n = JsonInt64(v);
  if (n < 0 || static_cast<std::uint64_t>(n) > most)
    throw std::out_of_range("not a count of 0 to " + std::to_string(most) + ": " + v.dump());
  return static_cast<std::uint64_t>(n);
}

}  // namespace tdv::http::internal

#endif  // TDV_HTTP_JSON_NUMBER_H_
