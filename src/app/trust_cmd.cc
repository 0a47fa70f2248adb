// SPDX-License-Identifier: Apache-2.0
#include "trust_cmd.h"

#include <ctime>
#include <fstream>
#include <iostream>
#include <iterator>
#include <memory>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "audit_cmd.h"
#include "exit_codes.h"
#include "tdv/sig/trust_store.h"

namespace tdv::app {
namespace {

struct TrustFlags {
  std::vector<std::string> files;
  std::vector<std::string> roots;
  std::string as;
  std::string id;
  bool json = false;
};

int Fail(int code, const std::string& message) {
  std::cerr << "tdv trust: " << message << "\n";
  return code;
}

int ExitFor(const Error& e) {
  switch (e.code) {
    case ErrorCode::kCorrupt:
      return kExitNotClear;  // refused: a master list that does not verify
    case ErrorCode::kUnavailable:
      return kExitUnavailable;
    default:
      return kExitUsage;
  }
}

Result<std::vector<std::uint8_t>> ReadAll(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) return Error{ErrorCode::kInvalidInput, "cannot read " + path};
  return std::vector<std::uint8_t>((std::istreambuf_iterator<char>(in)), {});
}

nlohmann::json EntryJson(const sig::TrustEntry& e) {
  nlohmann::json j = {{"id", e.id},
                      {"kind", sig::TrustKindName(e.kind)},
                      {"subject", e.subject},
                      {"issuer", e.issuer},
                      {"country", e.country},
                      {"serial", e.serial},
                      {"not_before", e.not_before},
                      {"not_after", e.not_after},
                      {"self_signed", e.self_signed},
                      {"revoked", e.revoked}};
  if (e.kind == sig::TrustKind::kCrl) {
    // A CRL past its next update: the chips and seals of its state come out
    // revocation_unknown until a newer one is imported.
    const std::time_t now = std::time(nullptr);
    const std::int64_t issued = sig::TrustTimeToUnix(e.not_before);
    j["expired"] = sig::CrlExpired(e, now);
    j["age_seconds"] = issued >= 0 ? nlohmann::json(now - issued) : nlohmann::json(nullptr);
  }
  return j;
}

std::string EntryLine(const sig::TrustEntry& e) {
  std::string name = e.kind == sig::TrustKind::kCrl ? "CRL of " + e.issuer : e.subject;
  std::string line = e.id + "  " + sig::TrustKindName(e.kind) + "  " + name;
  if (e.kind == sig::TrustKind::kCrl) {
    const std::time_t now = std::time(nullptr);
    const std::int64_t issued = sig::TrustTimeToUnix(e.not_before);
    line += "  (" + std::to_string(e.revoked) + " revoked, issued " +
            (issued >= 0 ? std::to_string((now - issued) / 86400) + " days ago" : "?") +
            ", next update " + (e.not_after.empty() ? "none" : e.not_after) + ")";
    if (sig::CrlExpired(e, now)) line += "  EXPIRED: revocation unknown for " + e.country;
  } else {
    line += "  serial " + e.serial + ", valid to " + e.not_after;
    if (e.kind == sig::TrustKind::kCsca && !e.self_signed) line += ", link certificate";
  }
  return line;
}

int RunImport(const Config& config, const TrustFlags& flags) {
  auto store = sig::TrustStore::Open(config.trust_dir);
  if (!store) return Fail(ExitFor(store.error()), store.error().message);
  auto audit = OpenAudit(config);
  if (!audit) return Fail(kExitUnavailable, audit.error().message);
  sig::TrustImportOptions options;
  if (!flags.as.empty()) {
    options.as = sig::ParseTrustKind(flags.as);
    if (!options.as) return Fail(kExitUsage, "--as must be csca, signer or crl");
  }
  for (const auto& root : flags.roots) {
    auto bytes = ReadAll(root);
    if (!bytes) return Fail(kExitUsage, bytes.error().message);
    options.master_list_roots.push_back(std::move(*bytes));
  }
  nlohmann::json out = nlohmann::json::array();
  for (const auto& file : flags.files) {
    auto bytes = ReadAll(file);
    if (!bytes) return Fail(kExitUsage, bytes.error().message);
    auto report = store->Import(*bytes, options);
    if (!report) return Fail(ExitFor(report.error()), file + ": " + report.error().message);
    std::string ids;
    for (const auto& e : report->added) ids += (ids.empty() ? "" : ",") + e.id;
    if (!report->added.empty() &&
        !RecordChange(**audit, "trust.import",
                      std::string(report->master_list ? "master list " : "") + "added=" + ids))
      return kExitUnavailable;
    if (flags.json) {
      nlohmann::json added = nlohmann::json::array();
      for (const auto& e : report->added) added.push_back(EntryJson(e));
      out.push_back({{"file", file},
                     {"master_list", report->master_list},
                     {"added", added},
                     {"already_present", report->already_present}});
    } else {
      std::cout << file << ": " << (report->master_list ? "master list verified; " : "") << "added "
                << report->added.size() << ", already present " << report->already_present << "\n";
      for (const auto& e : report->added) std::cout << "  " << EntryLine(e) << "\n";
    }
  }
  if (flags.json) std::cout << out.dump(2) << "\n";
  return kExitOk;
}

int RunList(const Config& config, const TrustFlags& flags) {
  auto store = sig::TrustStore::Open(config.trust_dir);
  if (!store) return Fail(ExitFor(store.error()), store.error().message);
  auto entries = store->List();
  if (!entries) return Fail(ExitFor(entries.error()), entries.error().message);
  if (flags.json) {
    nlohmann::json out = nlohmann::json::array();
    for (const auto& e : *entries) out.push_back(EntryJson(e));
    std::cout << nlohmann::json{{"trust_dir", config.trust_dir.string()}, {"entries", out}}.dump(2)
              << "\n";
  } else {
    for (const auto& e : *entries) std::cout << EntryLine(e) << "\n";
    std::cout << entries->size() << " entries in " << config.trust_dir.string() << "\n";
  }
  return kExitOk;
}

int RunRemove(const Config& config, const TrustFlags& flags) {
  auto store = sig::TrustStore::Open(config.trust_dir);
  if (!store) return Fail(ExitFor(store.error()), store.error().message);
  auto audit = OpenAudit(config);
  if (!audit) return Fail(kExitUnavailable, audit.error().message);
  auto removed = store->Remove(flags.id);
  if (!removed) return Fail(ExitFor(removed.error()), removed.error().message);
  std::cout << "removed " << EntryLine(*removed) << "\n";
  if (!RecordChange(**audit, "trust.remove", "id=" + removed->id)) return kExitUnavailable;
  return kExitOk;
}

}  // namespace

std::function<int()> AddTrustCommands(CLI::App& parent, std::function<Result<Config>()> load,
                                      const std::function<void(CLI::App*)>& add_common) {
  auto flags = std::make_shared<TrustFlags>();
  CLI::App* trust =
      parent.add_subcommand("trust", "manage the trust store (CSCAs, signers, CRLs, master lists)");
  trust->require_subcommand(1);
  CLI::App* import = trust->add_subcommand(
      "import", "import certificates, CRLs or CSCA master lists (PEM or DER)");
  add_common(import);
  import->add_option("FILE", flags->files, "files to import")->required();
  import->add_option("--as", flags->as, "force the kind: csca, signer or crl");
  // One value per --root (repeat it for more): a vector option would take
  // every word up to the next option, the files to import included.
  import
      ->add_option("--root", flags->roots,
                   "certificate a master list must chain to (repeat for more; default: the "
                   "stored CSCAs)")
      ->allow_extra_args(false);
  import->add_flag("--json", flags->json, "print what was imported as JSON");
  CLI::App* list = trust->add_subcommand("list", "list the trust store");
  add_common(list);
  list->add_flag("--json", flags->json, "print as JSON");
  CLI::App* remove =
      trust->add_subcommand("remove", "remove one entry by its id (or a unique prefix)");
  add_common(remove);
  remove->add_option("ID", flags->id, "entry id from `tdv trust list`")->required();

  return [=]() -> int {
    if (!trust->parsed()) return -1;
    Result<Config> config = load();
    if (!config) return Fail(kExitUsage, config.error().message);
    if (import->parsed()) return RunImport(*config, *flags);
    if (list->parsed()) return RunList(*config, *flags);
    return RunRemove(*config, *flags);
  };
}

}  // namespace tdv::app
