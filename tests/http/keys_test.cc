// SPDX-License-Identifier: Apache-2.0
// KeyManager keeps a key it has read only while the store says nothing
// changed: a real SQLite key store, seen through a wrapper that counts the
// reads that reach it.
#include "tdv/http/keys.h"

#include <atomic>

#include "catch.h"
#include "process.h"

namespace tdv::http {
namespace {

// Passes everything to a real store; counts Find() and can hide the store's
// change counter (as a store that has none).
class CountingStore final : public lists::KeyStore {
 public:
  CountingStore(lists::KeyStore& real, bool with_generation)
      : real_(real), with_generation_(with_generation) {}
  Status Add(const lists::KeyRecord& key) override { return real_.Add(key); }
  Result<std::optional<lists::KeyRecord>> Find(const std::string& id) override {
    ++finds;
    return real_.Find(id);
  }
  Result<std::vector<lists::KeyRecord>> List() override { return real_.List(); }
  Status Revoke(const std::string& id) override { return real_.Revoke(id); }
  std::uint64_t Generation() const override { return with_generation_ ? real_.Generation() : 0; }
  std::atomic<int> finds{0};

 private:
  lists::KeyStore& real_;
  bool with_generation_;
};

TEST_CASE("keys: a key is read once while nothing changes, again after any change",
          "[http][keys]") {
  tdv::testing::TempDir dir;
  const std::string file = (dir.path() / "lists.db").string();
  auto real = lists::OpenSqliteKeyStore(file);
  REQUIRE(real.has_value());
  CHECK((*real)->Generation() != 0);
  CountingStore store(**real, /*with_generation=*/true);
  KeyManager keys(store);
  auto officer = keys.Create("officer", "", "desk");
  auto other_key = keys.Create("auditor", "", "office");
  REQUIRE((officer && other_key));
  const std::string header = "Bearer " + officer->key;

  REQUIRE(keys.Authenticate(header).has_value());
  REQUIRE(keys.Authenticate(header).has_value());
  REQUIRE(keys.Authenticate(header).has_value());
  CHECK(store.finds == 1);
  // A wrong secret is refused from the cached copy too.
  std::string wrong = header;
  wrong.back() = wrong.back() == '0' ? '1' : '0';
  CHECK(keys.Authenticate(wrong).error().code == ErrorCode::kPermissionDenied);

  // Another process revokes a different key: the change counter moves, so
  // the next request reads the store again.
  auto elsewhere = lists::OpenSqliteKeyStore(file);
  REQUIRE(elsewhere.has_value());
  REQUIRE((*elsewhere)->Revoke(other_key->record.id).has_value());
  REQUIRE(keys.Authenticate(header).has_value());
  CHECK(store.finds == 2);
  // ... and revoking this key stops it on the next request.
  REQUIRE((*elsewhere)->Revoke(officer->record.id).has_value());
  auto revoked = keys.Authenticate(header);
  REQUIRE_FALSE(revoked.has_value());
  CHECK(revoked.error().code == ErrorCode::kPermissionDenied);
  CHECK(revoked.error().message.find("revoked") != std::string::npos);
}

TEST_CASE("keys: a store without a change counter is read on every request", "[http][keys]") {
  tdv::testing::TempDir dir;
  auto real = lists::OpenSqliteKeyStore((dir.path() / "lists.db").string());
  REQUIRE(real.has_value());
  CountingStore store(**real, /*with_generation=*/false);
  KeyManager keys(store);
  auto officer = keys.Create("officer", "", "desk");
  REQUIRE(officer.has_value());
  for (int i = 0; i < 3; ++i) REQUIRE(keys.Authenticate("Bearer " + officer->key).has_value());
  CHECK(store.finds == 3);
}

}  // namespace
}  // namespace tdv::http
