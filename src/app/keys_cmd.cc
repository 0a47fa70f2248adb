// SPDX-License-Identifier: Apache-2.0
#include "keys_cmd.h"

#include <fcntl.h>
#include <unistd.h>

#include <iostream>
#include <nlohmann/json.hpp>

#include "audit_cmd.h"
#include "exit_codes.h"
#include "tdv/http/keys.h"
#include "tdv/lists/audit_store.h"

namespace tdv::app {
namespace {

struct KeysFlags {
  std::string role;
  std::string source;
  std::string label;
  std::string id;
  bool json = false;
};

int Fail(int code, const std::string& message) {
  std::cerr << "tdv keys: " << message << "\n";
  return code;
}

int ExitFor(const Error& e) {
  return e.code == ErrorCode::kUnavailable ? kExitUnavailable : kExitUsage;
}

}  // namespace

Result<std::unique_ptr<lists::KeyStore>> OpenKeys(const Config& config, const std::string& store) {
  const std::string url = store.empty() ? config.store : store;
  std::error_code ec;
  std::filesystem::create_directories(config.data_dir, ec);
  if (url.rfind("sqlite:", 0) == 0) return lists::OpenSqliteKeyStore(url.substr(7));
  if (lists::IsPostgresUrl(url)) return lists::OpenPostgresKeyStore(url);
  return Error{ErrorCode::kInvalidInput,
               "store '" + url + "' must be sqlite:PATH or a PostgreSQL URL (postgresql://...)"};
}

Result<std::string> CreateFirstAdminKey(lists::KeyStore& store, const std::filesystem::path& file) {
  auto keys = store.List();
  if (!keys) return keys.error();
  if (!keys->empty()) return std::string();
  // The file first: if it cannot be written, no key exists that nobody has.
  const int fd = ::open(file.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
  if (fd < 0) {
    return Error{ErrorCode::kUnavailable,
                 "cannot create " + file.string() + " for the first admin key (it must not exist)"};
  }
  http::KeyManager manager(store);
  auto created = manager.Create("admin", "", "first admin key");
  if (!created) {
    ::close(fd);
    ::unlink(file.c_str());
    return created.error();
  }
  const std::string line = created->key + "\n";
  const bool written = ::write(fd, line.data(), line.size()) == static_cast<ssize_t>(line.size());
  const bool closed = ::close(fd) == 0;
  if (!written || !closed) {
    (void)store.Revoke(created->record.id);
    ::unlink(file.c_str());
    return Error{ErrorCode::kUnavailable, "cannot write " + file.string()};
  }
  return created->key;
}

std::function<int()> AddKeysCommands(CLI::App& parent, std::function<Result<Config>()> load,
                                     const std::string& store,
                                     const std::function<void(CLI::App*)>& add_common) {
  auto flags = std::make_shared<KeysFlags>();
  CLI::App* keys = parent.add_subcommand("keys", "API keys and their roles");
  keys->require_subcommand(1);
  CLI::App* create = keys->add_subcommand("create", "make a key; it is printed once");
  add_common(create);
  create
      ->add_option("--role", flags->role,
                   "officer, visa-section, integrator, list-admin, auditor, admin or partner")
      ->required();
  create->add_option("--source", flags->source, "the agency whose lists a list-admin key changes");
  create->add_option("--label", flags->label, "who or what holds the key");
  CLI::App* list = keys->add_subcommand("list", "every key, revoked ones too (no secrets)");
  add_common(list);
  list->add_flag("--json", flags->json, "print JSON");
  CLI::App* revoke = keys->add_subcommand("revoke", "stop a key at once, everywhere");
  add_common(revoke);
  revoke->add_option("ID", flags->id, "the key's id (tdv keys list)")->required();

  return [=, &store]() -> int {
    if (!create->parsed() && !list->parsed() && !revoke->parsed()) return -1;
    Result<Config> config = load();
    if (!config) return Fail(kExitUsage, config.error().message);
    auto opened = OpenKeys(*config, store);
    if (!opened) return Fail(kExitUnavailable, opened.error().message);
    lists::KeyStore& keys_store = **opened;
    std::unique_ptr<verify::AuditTrail> audit;
    if (!list->parsed()) {
      auto trail = OpenAudit(*config);
      if (!trail) return Fail(kExitUnavailable, trail.error().message);
      audit = std::move(*trail);
    }
    if (create->parsed()) {
      http::KeyManager manager(keys_store);
      auto created = manager.Create(flags->role, flags->source, flags->label);
      if (!created) return Fail(ExitFor(created.error()), created.error().message);
      std::cout << created->key << "\n";
      std::cerr << "tdv keys: key " << created->record.id << " (" << created->record.role
                << ") made; it is shown this once\n";
      const std::string source =
          created->record.source.empty() ? "" : " source=" + created->record.source;
      if (!RecordChange(*audit, "keys.create",
                        "id=" + created->record.id + " role=" + created->record.role + source))
        return kExitUnavailable;
      return kExitOk;
    }
    if (list->parsed()) {
      auto all = keys_store.List();
      if (!all) return Fail(kExitUnavailable, all.error().message);
      if (flags->json) {
        nlohmann::json out = nlohmann::json::array();
        for (const auto& k : *all) {
          out.push_back({{"id", k.id},
                         {"role", k.role},
                         {"source", k.source},
                         {"label", k.label},
                         {"created_at", k.created_at},
                         {"revoked_at", k.revoked_at.empty() ? nlohmann::json(nullptr)
                                                             : nlohmann::json(k.revoked_at)}});
        }
        std::cout << out.dump(2) << "\n";
      } else {
        for (const auto& k : *all) {
          std::cout << k.id << "  " << k.role << "  " << (k.source.empty() ? "-" : k.source) << "  "
                    << k.created_at << "  "
                    << (k.revoked_at.empty() ? "active" : "revoked " + k.revoked_at) << "  "
                    << k.label << "\n";
        }
      }
      return kExitOk;
    }
    if (Status st = keys_store.Revoke(flags->id); !st) {
      return Fail(st.error().code == ErrorCode::kUnavailable ? kExitUnavailable : kExitUsage,
                  st.error().message);
    }
    std::cout << "revoked " << flags->id << "\n";
    if (!RecordChange(*audit, "keys.revoke", "id=" + flags->id)) return kExitUnavailable;
    return kExitOk;
  };
}

}  // namespace tdv::app
