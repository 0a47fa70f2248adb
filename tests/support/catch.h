// SPDX-License-Identifier: Apache-2.0
// The one place that names the Catch2 version (Debian 12 ships 2.13).
#ifndef TDV_TESTS_SUPPORT_CATCH_H_
#define TDV_TESTS_SUPPORT_CATCH_H_
#include <catch2/catch.hpp>
#endif  // TDV_TESTS_SUPPORT_CATCH_H_
