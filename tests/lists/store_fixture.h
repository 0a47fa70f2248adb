// SPDX-License-Identifier: Apache-2.0
// The stores the contract tests run against: a real SQLite file in a fresh
// directory, and a real PostgreSQL database when TDV_TEST_PG_URL names a
// server (the test command starts one on loopback).
#ifndef TDV_TESTS_LISTS_STORE_FIXTURE_H_
#define TDV_TESTS_LISTS_STORE_FIXTURE_H_

#include <memory>
#include <string>

#include "catch.h"
#include "pg_database.h"
#include "process.h"
#include "tdv/lists/list_store.h"

namespace tdv::lists::testing {

// Opens a store of the given kind; "postgres" uses a fresh database
// created for this test (dropped at the end).
class StoreFixture {
 public:
  explicit StoreFixture(const std::string& kind) : kind_(kind) {}
  ~StoreFixture() { store_.reset(); }  // before the database is dropped
  ListStore* Open() {
    if (kind_ != "sqlite") pg_ = std::make_unique<tdv::testing::PgDatabase>();
    store_ = OpenAgain();
    return store_.get();
  }
  // A second connection to the same store (another TDV instance).
  std::unique_ptr<ListStore> OpenAgain() {
    auto s = kind_ == "sqlite" ? OpenSqliteStore((dir_.path() / "lists.db").string())
                               : OpenPostgresStore(pg_->url());
    if (!s) FAIL(s.error().message);
    return std::move(*s);
  }
  const std::filesystem::path& dir() const { return dir_.path(); }

 private:
  std::string kind_;
  tdv::testing::TempDir dir_;
  std::unique_ptr<tdv::testing::PgDatabase> pg_;
  std::unique_ptr<ListStore> store_;
};

}  // namespace tdv::lists::testing

#endif  // TDV_TESTS_LISTS_STORE_FIXTURE_H_
