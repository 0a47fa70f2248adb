// SPDX-License-Identifier: Apache-2.0
// The key store on a real SQLite file: keys added, found, listed and
// revoked; two handles on one file see each other's changes at once.
#include "tdv/lists/key_store.h"

#include "catch.h"
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

TEST_CASE("key store: add, find, list, revoke", "[keys]") {
  tdv::testing::TempDir dir;
  const std::string file = (dir.path() / "lists.db").string();
  auto store = OpenSqliteKeyStore(file);
  REQUIRE(store.has_value());
  KeyStore& keys = **store;
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
  auto other = OpenSqliteKeyStore(file);
  REQUIRE(other.has_value());
  REQUIRE((*other)->Revoke("00000000000000a1").has_value());
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

}  // namespace
}  // namespace tdv::lists
