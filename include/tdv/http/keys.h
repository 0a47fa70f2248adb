// SPDX-License-Identifier: Apache-2.0
// API keys and roles. A key is "tdv_<id>_<secret>": the id names it in
// logs, listings and the audit trail; only the SHA-256 of the secret is
// stored (tdv::lists::KeyStore). Callers send it as
// "Authorization: Bearer <key>".
//
// Roles and what they may do:
//   officer     verify
//   integrator  verify, batch
//   list-admin  change the lists of its own source
//   auditor     read the audit trail
//   admin       all of the above, keys and trust
//
// Thread safety: a KeyManager may be used from any thread (the store
// serialises its own access). A key revoked by any process on the same
// store stops working on the next request: Authenticate() reads the store,
// or keeps a key it read only while the store's Generation() is unchanged
// (and for at most a second, against changes made behind the store's back).
#ifndef TDV_HTTP_KEYS_H_
#define TDV_HTTP_KEYS_H_

#include <chrono>
#include <cstdint>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

#include "tdv/lists/key_store.h"
#include "tdv/mrz/result.h"

namespace tdv::http {

enum class Permission { kVerify, kBatch, kLists, kAudit, kAdmin, kPartner };

// The roles, in the order above.
const std::vector<std::string>& Roles();
// Whether `role` may do `p` (false for an unknown role).
bool Allows(std::string_view role, Permission p) noexcept;
// "verify", "batch", "lists", "audit", "admin", "partner".
const char* PermissionName(Permission p) noexcept;

// Who a request comes from.
struct Principal {
  std::string key_id;
  std::string role;
  std::string source;  // the agency of a list-admin key
};

struct CreatedKey {
  lists::KeyRecord record;  // as stored (secret_hash, no secret)
  std::string key;          // the whole key, to be shown once
};

class KeyManager {
 public:
  // `store` must outlive the manager.
  explicit KeyManager(lists::KeyStore& store) : store_(store) {}

  // Makes a key. kInvalidInput for an unknown role, a list-admin key without
  // a source, or a source or label with control characters; kUnavailable
  // when the store or the random generator fails.
  Result<CreatedKey> Create(std::string_view role, std::string_view source, std::string_view label);

  // The principal of an Authorization header value. kInvalidInput when it is
  // missing or not "Bearer tdv_<id>_<secret>"; kPermissionDenied for an
  // unknown, wrong or revoked key (the message says which, for logs only);
  // kUnavailable when the store cannot be read.
  Result<Principal> Authenticate(std::string_view authorization) const;

  // The id part of a key in an Authorization header value, unchecked ("" if
  // there is none): for access logs.
  static std::string KeyIdOf(std::string_view authorization);

  lists::KeyStore& store() { return store_; }

 private:
  // The key `id`, from the cache when the store has not changed since it
  // was read, else from the store.
  Result<std::optional<lists::KeyRecord>> Find(const std::string& id) const;

  lists::KeyStore& store_;
  struct Cached {
    lists::KeyRecord record;
    std::uint64_t generation;
    std::chrono::steady_clock::time_point read_at;
  };
  mutable std::mutex mu_;
  mutable std::unordered_map<std::string, Cached> cache_;
};

}  // namespace tdv::http

#endif  // TDV_HTTP_KEYS_H_
