// SPDX-License-Identifier: Apache-2.0
// The key store on a real SQLite file and on a real PostgreSQL database:
// keys added, found, listed and revoked; two handles on one store (two
// processes or instances) see each other's changes at once.
#include "tdv/lists/key_store.h"

#include <memory>

#include "catch.h"
#include "pg_database.h"
#include "process.h"

namespace tdv::lists {
namespace {

KeyRecord Key(const std::string& id, const std::string& role) {
  KeyRecord k;
  k.id = id;
  k.role = role;
  k.label = "desk " + id;
  k.secret_hash = std::string(64, 'a');
  return k;
}

// A key store of `kind` ("sqlite" or "postgres"); Open() again is another
// handle on the same one.
class KeyStoreFixture {
 public:
  explicit KeyStoreFixture(const std::string& kind) {
    if (kind == "postgres") pg_ = std::make_unique<tdv::testing::PgDatabase>();
  }
  std::unique_ptr<KeyStore> Open() {
    auto s = pg_ ? OpenPostgresKeyStore(pg_->url())
                 : OpenSqliteKeyStore((dir_.path() / "lists.db").string());
    if (!s) FAIL(s.error().message);
    return std::move(*s);
  }

 private:
  tdv::testing::TempDir dir_;
  std::unique_ptr<tdv::testing::PgDatabase> pg_;
};

TEST_CASE("key store: add, find, list, revoke", "[keys]") {
  const std::string kind = GENERATE("sqlite", "postgres");
  INFO(kind);
  KeyStoreFixture fixture(kind);
  auto store = fixture.Open();
  KeyStore& keys = *store;
  REQUIRE(keys.Add(Key("00000000000000a1", "officer")).has_value());
  REQUIRE(keys.Add(Key("00000000000000b2", "auditor")).has_value());
  // The same id twice is refused.
  auto again = keys.Add(Key("00000000000000a1", "admin"));
  REQUIRE_FALSE(again.has_value());
  CHECK(again.error().code == ErrorCode::kInvalidInput);

  auto found = keys.Find("00000000000000a1");
  REQUIRE(found.has_value());
  REQUIRE(found->has_value());
  CHECK((*found)->role == "officer");
  CHECK((*found)->label == "desk 00000000000000a1");
  CHECK_FALSE((*found)->created_at.empty());
  CHECK((*found)->revoked_at.empty());
  auto none = keys.Find("ffffffffffffffff");
  REQUIRE(none.has_value());
  CHECK_FALSE(none->has_value());

  auto all = keys.List();
  REQUIRE(all.has_value());
  REQUIRE(all->size() == 2);

  // A second handle (another process on the same data directory) sees a
  // revocation at once.
  auto other = fixture.Open();
  REQUIRE(other->Revoke("00000000000000a1").has_value());
  found = keys.Find("00000000000000a1");
  REQUIRE(found.has_value());
  CHECK_FALSE((*found)->revoked_at.empty());
  auto twice = keys.Revoke("00000000000000a1");
  REQUIRE_FALSE(twice.has_value());
  CHECK(twice.error().code == ErrorCode::kInvalidInput);
  auto unknown = keys.Revoke("ffffffffffffffff");
  REQUIRE_FALSE(unknown.has_value());
  CHECK(unknown.error().code == ErrorCode::kNotFound);
}

TEST_CASE("key store: a file that cannot be opened is unavailable", "[keys]") {
  auto store = OpenSqliteKeyStore("/nonexistent-dir/keys.db");
  REQUIRE_FALSE(store.has_value());
  CHECK(store.error().code == ErrorCode::kUnavailable);
}

TEST_CASE("key store: a PostgreSQL server that cannot be reached is unavailable", "[keys]") {
  // Port 1 on loopback: nothing listens there.
  auto store = OpenPostgresKeyStore("postgresql://postgres@127.0.0.1:1/none?connect_timeout=2");
  REQUIRE_FALSE(store.has_value());
  CHECK(store.error().code == ErrorCode::kUnavailable);
}

}  // namespace
}  // namespace tdv::lists
