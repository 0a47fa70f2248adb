// SPDX-License-Identifier: Apache-2.0
// A fresh PostgreSQL database on the test server that TDV_TEST_PG_URL
// names (scripts/dev.sh test starts one on loopback), dropped at the end.
// Without the variable the test fails: the suite is incomplete without it.
#ifndef TDV_TESTS_SUPPORT_PG_DATABASE_H_
#define TDV_TESTS_SUPPORT_PG_DATABASE_H_

#include <cstdlib>
#include <random>
#include <string>

#include "catch.h"
#include "process.h"

namespace tdv::testing {

class PgDatabase {
 public:
  PgDatabase() {
    const char* url = std::getenv("TDV_TEST_PG_URL");
    if (url == nullptr || *url == '\0') {
      FAIL(
          "TDV_TEST_PG_URL is not set: the PostgreSQL tests need a server "
          "(scripts/dev.sh test starts one)");
    }
    admin_url_ = url;
    name_ = "tdv_test_" + std::to_string(std::random_device{}());
    auto r = Run({"psql", admin_url_, "-qc", "CREATE DATABASE " + name_});
    INFO(r.err);
    REQUIRE(r.exit_code == 0);
  }
  ~PgDatabase() { Run({"psql", admin_url_, "-qc", "DROP DATABASE IF EXISTS " + name_}); }
  PgDatabase(const PgDatabase&) = delete;
  PgDatabase& operator=(const PgDatabase&) = delete;

  // The database's URL: the admin URL with its last segment replaced.
  std::string url() const { return admin_url_.substr(0, admin_url_.rfind('/') + 1) + name_; }
  // Runs `sql` in the database with psql (behind the stores' backs).
  ProcessResult Sql(const std::string& sql) const { return Run({"psql", url(), "-qtAc", sql}); }

 private:
  std::string admin_url_, name_;
};

}  // namespace tdv::testing

#endif  // TDV_TESTS_SUPPORT_PG_DATABASE_H_
