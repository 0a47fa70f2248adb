// SPDX-License-Identifier: Apache-2.0
#include "tdv/http/keys.h"

#include <algorithm>

#include "tdv/sig/digest.h"

namespace tdv::http {
namespace {

constexpr std::string_view kPrefix = "tdv_";
constexpr std::size_t kIdBytes = 8, kSecretBytes = 32;

bool IsHex(std::string_view s) {
  return std::all_of(s.begin(), s.end(),
                     [](char c) { return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'f'); });
}

bool Printable(std::string_view s) {
  return std::none_of(s.begin(), s.end(),
                      [](char c) { return static_cast<unsigned char>(c) < 0x20 || c == 0x7f; });
}

// "Bearer tdv_<id>_<secret>" -> {id, secret}; empty on any other shape.
std::pair<std::string, std::string> Split(std::string_view authorization) {
  constexpr std::string_view kBearer = "Bearer ";
  if (authorization.substr(0, kBearer.size()) != kBearer) return {};
  std::string_view key = authorization.substr(kBearer.size());
  while (!key.empty() && key.front() == ' ') key.remove_prefix(1);
  while (!key.empty() && key.back() == ' ') key.remove_suffix(1);
  if (key.substr(0, kPrefix.size()) != kPrefix) return {};
  key.remove_prefix(kPrefix.size());
  const std::size_t sep = key.find('_');
  if (sep == std::string_view::npos) return {};
  const std::string_view id = key.substr(0, sep), secret = key.substr(sep + 1);
  if (id.size() != 2 * kIdBytes || secret.size() != 2 * kSecretBytes || !IsHex(id) ||
      !IsHex(secret))
    return {};
  return {std::string(id), std::string(secret)};
}

}  // namespace

const std::vector<std::string>& Roles() {
  static const std::vector<std::string> roles = {
      "officer", "visa-section", "integrator", "list-admin", "auditor", "admin", "partner"};
  return roles;
}

bool Allows(std::string_view role, Permission p) noexcept {
  if (role == "admin") return true;
  switch (p) {
    case Permission::kVerify:
      return role == "officer" || role == "visa-section" || role == "integrator";
    case Permission::kBatch:
      return role == "visa-section" || role == "integrator";
    case Permission::kLists:
      return role == "list-admin";
    case Permission::kAudit:
      return role == "auditor";
    case Permission::kAdmin:
      return false;
    case Permission::kPartner:
      // A partner agency's instance: the exchange routes only
      // (docs/exchange.md), never a verification or a list.
      return role == "partner";
  }
  return false;
}

const char* PermissionName(Permission p) noexcept {
  switch (p) {
    case Permission::kVerify:
      return "verify";
    case Permission::kBatch:
      return "batch";
    case Permission::kLists:
      return "lists";
    case Permission::kAudit:
      return "audit";
    case Permission::kAdmin:
      return "admin";
    case Permission::kPartner:
      return "partner";
  }
  return "?";
}

Result<CreatedKey> KeyManager::Create(std::string_view role, std::string_view source,
                                      std::string_view label) {
  const auto& roles = Roles();
  if (std::find(roles.begin(), roles.end(), role) == roles.end()) {
    return Error{ErrorCode::kInvalidInput,
                 "unknown role '" + std::string(role) +
                     "' (officer, visa-section, integrator, list-admin, auditor or admin)"};
  }
  if (role == "list-admin" && source.empty()) {
    return Error{ErrorCode::kInvalidInput, "a list-admin key needs the source it may change"};
  }
  if (!Printable(source) || !Printable(label)) {
    return Error{ErrorCode::kInvalidInput, "source and label must be printable text"};
  }
  auto id = sig::RandomHex(kIdBytes);
  if (!id) return id.error();
  auto secret = sig::RandomHex(kSecretBytes);
  if (!secret) return secret.error();
  CreatedKey created;
  created.record.id = *id;
  created.record.role = std::string(role);
  created.record.source = std::string(source);
  created.record.label = std::string(label);
  created.record.secret_hash = sig::Sha256Hex(*secret);
  if (Status s = store_.Add(created.record); !s) return s.error();
  created.key = std::string(kPrefix) + *id + "_" + *secret;
  return created;
}

Result<Principal> KeyManager::Authenticate(std::string_view authorization) const {
  const auto [id, secret] = Split(authorization);
  if (id.empty()) {
    return Error{ErrorCode::kInvalidInput, authorization.empty()
                                               ? "no Authorization header"
                                               : "Authorization is not 'Bearer tdv_<id>_<secret>'"};
  }
  auto found = Find(id);
  if (!found) return found.error();
  if (!*found) return Error{ErrorCode::kPermissionDenied, "unknown key " + id};
  const lists::KeyRecord& key = **found;
  if (!sig::ConstantTimeEqual(sig::Sha256Hex(secret), key.secret_hash)) {
    return Error{ErrorCode::kPermissionDenied, "wrong secret for key " + id};
  }
  if (!key.revoked_at.empty())
    return Error{ErrorCode::kPermissionDenied, "key " + id + " is revoked"};
  return Principal{key.id, key.role, key.source};
}

Result<std::optional<lists::KeyRecord>> KeyManager::Find(const std::string& id) const {
  // Read before the store, so that a change committed while the key is read
  // leaves the cached copy under the old number.
  const std::uint64_t generation = store_.Generation();
  const auto now = std::chrono::steady_clock::now();
  if (generation != 0) {
    std::lock_guard lock(mu_);
    auto it = cache_.find(id);
    if (it != cache_.end() && it->second.generation == generation &&
        now - it->second.read_at < std::chrono::seconds(1)) {
      return std::optional<lists::KeyRecord>(it->second.record);
    }
  }
  auto found = store_.Find(id);
  if (!found || !*found || generation == 0) return found;
  std::lock_guard lock(mu_);
  // Only stored keys are kept (unknown ids are not: they cost a guesser
  // nothing to vary), and no more than a store could sensibly hold.
  if (cache_.size() >= 10000) cache_.clear();
  cache_[id] = Cached{**found, generation, now};
  return found;
}

std::string KeyManager::KeyIdOf(std::string_view authorization) {
  return Split(authorization).first;
}

}  // namespace tdv::http
