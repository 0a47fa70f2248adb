// SPDX-License-Identifier: Apache-2.0
// KeyStore: the service's API keys, kept beside the lists (the SQLite file
// of the embedded default), so that every `tdv` process on the data
// directory sees a new or revoked key at once.
//
// Only a hash of each key's secret is stored; the secret itself is shown
// once, when the key is made (tdv::http::KeyManager). Keys are never
// deleted: a revoked key stays listed with the time it was revoked.
//
// Thread safety: every member may be called from any thread (one
// connection, serialised by a mutex; a lookup is one primary-key read).
#ifndef TDV_LISTS_KEY_STORE_H_
#define TDV_LISTS_KEY_STORE_H_

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "tdv/mrz/result.h"

namespace tdv::lists {

struct KeyRecord {
  std::string id;      // public identifier, part of the key
  std::string role;    // "officer", "visa-section", "integrator", "list-admin", "auditor", "admin"
  std::string source;  // the agency a list-admin key may change lists for
  std::string label;   // free text: who or what holds the key
  std::string secret_hash;  // SHA-256 hex of the secret
  std::string created_at;   // RFC 3339 UTC
  std::string revoked_at;   // RFC 3339 UTC; empty while the key works
};

class KeyStore {
 public:
  virtual ~KeyStore() = default;
  // Adds a key; kInvalidInput when the id exists already.
  virtual Status Add(const KeyRecord& key) = 0;
  // The key with `id`, revoked or not; nullopt when there is none.
  virtual Result<std::optional<KeyRecord>> Find(const std::string& id) = 0;
  // Every key, oldest first.
  virtual Result<std::vector<KeyRecord>> List() = 0;
  // Marks the key revoked now; kNotFound for an unknown id, kInvalidInput
  // when it is revoked already.
  virtual Status Revoke(const std::string& id) = 0;
  // A number that changes after every Add or Revoke through any KeyStore on
  // the same store, in any process on this machine, read without a system
  // call: a caller may keep a key it has read for as long as the number
  // stays the same. 0 when the store cannot tell (read every time).
  virtual std::uint64_t Generation() const { return 0; }
};

// Opens (creating the table if needed) the key store in the SQLite file
// `path`. kUnavailable when the file cannot be opened or written.
Result<std::unique_ptr<KeyStore>> OpenSqliteKeyStore(const std::string& path);
// The same in the PostgreSQL database `conninfo` (every instance on it
// shares the keys). kUnavailable when it cannot be reached; kUnsupported in
// a build without PostgreSQL.
Result<std::unique_ptr<KeyStore>> OpenPostgresKeyStore(const std::string& conninfo);

}  // namespace tdv::lists

#endif  // TDV_LISTS_KEY_STORE_H_
