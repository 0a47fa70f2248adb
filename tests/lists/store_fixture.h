// SPDX-License-Identifier: Apache-2.0
// The stores the contract tests run against: a real SQLite file in a fresh
// directory, and a real PostgreSQL database when TDV_TEST_PG_URL names a
// server (the test command starts one on loopback).
#ifndef TDV_TESTS_LISTS_STORE_FIXTURE_H_
#define TDV_TESTS_LISTS_STORE_FIXTURE_H_

#include <cstdlib>
#include <memory>
#include <random>
#include <string>

#include "catch.h"
#include "process.h"
#include "tdv/lists/list_store.h"

namespace tdv::lists::testing {

// Opens a store of the given kind; "postgres" uses a fresh schema-less
// database created for this test (dropped at the end).
class StoreFixture {
 public:
  explicit StoreFixture(const std::string& kind) : kind_(kind) {}
  ~StoreFixture() {
    if (!pg_db_.empty()) {
      store_.reset();
      tdv::testing::Run({"psql", admin_url_, "-qc", "DROP DATABASE IF EXISTS " + pg_db_});
    }
  }
  ListStore* Open() {
    if (kind_ == "sqlite") {
      auto s = OpenSqliteStore((dir_.path() / "lists.db").string());
      REQUIRE(s.has_value());
      store_ = std::move(*s);
    } else {
      const char* url = std::getenv("TDV_TEST_PG_URL");
      if (url == nullptr || *url == '\0') {
        // Not skipped silently: the suite is incomplete without it.
        FAIL(
            "TDV_TEST_PG_URL is not set: the PostgreSQL contract tests need a server "
            "(scripts/dev.sh test starts one; or run ctest -E lists with care)");
      }
      admin_url_ = url;
      pg_db_ = "tdv_test_" + std::to_string(std::random_device{}());
      auto r = tdv::testing::Run({"psql", admin_url_, "-qc", "CREATE DATABASE " + pg_db_});
      REQUIRE(r.exit_code == 0);
      auto s = OpenPostgresStore(DbUrl());
      if (!s) FAIL(s.error().message);
      store_ = std::move(*s);
    }
    return store_.get();
  }
  // A second connection to the same store (another TDV instance).
  std::unique_ptr<ListStore> OpenAgain() {
    auto s = kind_ == "sqlite" ? OpenSqliteStore((dir_.path() / "lists.db").string())
                               : OpenPostgresStore(DbUrl());
    REQUIRE(s.has_value());
    return std::move(*s);
  }
  std::string DbUrl() const {
    // admin URL ends in "/postgres" (or another db): replace the last segment.
    return admin_url_.substr(0, admin_url_.rfind('/') + 1) + pg_db_;
  }
  const std::filesystem::path& dir() const { return dir_.path(); }

 private:
  std::string kind_;
  tdv::testing::TempDir dir_;
  std::unique_ptr<ListStore> store_;
  std::string admin_url_, pg_db_;
};

}  // namespace tdv::lists::testing

#endif  // TDV_TESTS_LISTS_STORE_FIXTURE_H_
