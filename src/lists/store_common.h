// SPDX-License-Identifier: Apache-2.0
// Helpers the store implementations share.
#ifndef TDV_SRC_LISTS_STORE_COMMON_H_
#define TDV_SRC_LISTS_STORE_COMMON_H_

#include <optional>
#include <string>

#include "tdv/lists/record.h"
#include "tdv/mrz/result.h"

namespace tdv::lists::internal {

std::string NowRfc3339();
std::string DateOrNull(const std::optional<mrz::CivilDate>& date);
std::optional<mrz::CivilDate> ParseDateOrNull(const std::string& text);
// A record's key is complete and normalised (state A-Z 1-3, type A-Z 1-2,
// number normalised and non-empty).
Status CheckKey(const ListRecord& record);

}  // namespace tdv::lists::internal

#endif  // TDV_SRC_LISTS_STORE_COMMON_H_
