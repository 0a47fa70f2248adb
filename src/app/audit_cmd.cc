// SPDX-License-Identifier: Apache-2.0
#include "audit_cmd.h"

#include <fcntl.h>
#include <unistd.h>

#include <cstdlib>
#include <fstream>
#include <iostream>
#include <nlohmann/json.hpp>

#include "exit_codes.h"
#include "tdv/http/report_json.h"
#include "tdv/sig/digest.h"

namespace tdv::app {
namespace {

struct AuditFlags {
  bool json = false;
  lists::TrailQuery query;
  std::string state, type, number;
};

int Fail(int code, const std::string& message) {
  std::cerr << "tdv audit: " << message << "\n";
  return code;
}

// The trail's secret: read, or made once (O_EXCL, so that two processes
// starting together cannot each make one).
Result<std::string> Secret(const std::filesystem::path& file) {
  for (int attempt = 0; attempt < 2; ++attempt) {
    std::ifstream in(file);
    if (in) {
      std::string secret;
      std::getline(in, secret);
      if (secret.size() != 64 || secret.find_first_not_of("0123456789abcdef") != std::string::npos)
        return Error{ErrorCode::kUnavailable,
                     file.string() + " is not an audit key (64 hex digits)"};
      return secret;
    }
    const int fd = ::open(file.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
    if (fd < 0) {
      if (errno == EEXIST) continue;  // made by another process just now: read it
      return Error{ErrorCode::kUnavailable, "cannot create " + file.string()};
    }
    auto secret = sig::RandomHex(32);
    const std::string line = secret ? *secret + "\n" : "";
    const bool ok =
        secret && ::write(fd, line.data(), line.size()) == static_cast<ssize_t>(line.size());
    if (::close(fd) != 0 || !ok) {
      ::unlink(file.c_str());
      return Error{ErrorCode::kUnavailable, "cannot write " + file.string()};
    }
    return *secret;
  }
  return Error{ErrorCode::kUnavailable, "cannot read " + file.string()};
}

}  // namespace

Result<std::unique_ptr<verify::AuditTrail>> OpenAudit(const Config& config) {
  std::error_code ec;
  std::filesystem::create_directories(config.data_dir, ec);
  auto secret =
      Secret(config.audit_key_file.empty() ? config.data_dir / "audit.key" : config.audit_key_file);
  if (!secret) return secret.error();
  // Beside the lists when they are in PostgreSQL (one chain for every
  // instance); else its own SQLite file in the data directory.
  auto store = lists::IsPostgresUrl(config.store)
                   ? lists::OpenPostgresAuditStore(config.store)
                   : lists::OpenSqliteAuditStore((config.data_dir / "audit.db").string());
  if (!store) return store.error();
  verify::AuditOptions options;
  options.document_number_in_clear = config.audit_document_number_in_clear;
  return std::make_unique<verify::AuditTrail>(std::move(*store), std::move(*secret), options);
}

std::string CliActor() {
  const char* user = std::getenv("USER");
  return std::string("cli:") + (user != nullptr && *user ? user : "unknown");
}

bool RecordChange(verify::AuditTrail& audit, const std::string& action, const std::string& detail) {
  if (Status st = audit.Record(verify::AuditTrail::ChangeEntry(CliActor(), action, detail)); !st) {
    std::cerr << "tdv: done, but not recorded in the audit trail: " << st.error().message << "\n";
    return false;
  }
  return true;
}

std::function<int()> AddAuditCommands(CLI::App& parent, std::function<Result<Config>()> load,
                                      const std::function<void(CLI::App*)>& add_common) {
  auto flags = std::make_shared<AuditFlags>();
  CLI::App* audit = parent.add_subcommand("audit", "the audit trail of every check and change");
  audit->require_subcommand(1);
  CLI::App* verify =
      audit->add_subcommand("verify", "check the hash chain: no entry altered, removed or moved");
  add_common(verify);
  verify->add_flag("--json", flags->json, "print JSON");
  CLI::App* show = audit->add_subcommand("show", "entries, oldest first, with filters");
  add_common(show);
  show->add_option("--after", flags->query.after_seq, "entries after this seq");
  show->add_option("--limit", flags->query.limit, "at most this many (default 100)")
      ->check(CLI::Range(1, 100000));
  show->add_option("--from", flags->query.from, "time at or after (RFC 3339, or a prefix)");
  show->add_option("--to", flags->query.to, "time before (RFC 3339, or a prefix)");
  show->add_option("--key", flags->query.key_id, "the key id (or cli:USER)");
  show->add_option("--action", flags->query.action, "verify, keys.create, lists.import ...");
  show->add_option("--verdict", flags->query.verdict, "clear, review or reject");
  show->add_option("--document", flags->query.document, "a document hash");
  show->add_option("--state", flags->state, "with --type and --number: that document's checks");
  show->add_option("--type", flags->type, "document type (P, I, A, C, V)");
  show->add_option("--number", flags->number, "document number");
  show->add_flag("--json", flags->json, "print JSON");

  return [=]() -> int {
    if (!audit->parsed()) return -1;
    Result<Config> config = load();
    if (!config) return Fail(kExitUsage, config.error().message);
    auto trail = OpenAudit(*config);
    if (!trail) return Fail(kExitUnavailable, trail.error().message);
    if (verify->parsed()) {
      auto check = (*trail)->VerifyChain();
      if (!check) return Fail(kExitUnavailable, check.error().message);
      if (flags->json) {
        std::cout << nlohmann::json{{"entries", check->entries},
                                    {"intact", check->intact()},
                                    {"problem_count", check->problem_count},
                                    {"problems", check->problems},
                                    {"head_seq", check->head_seq},
                                    {"head_mac", check->head_mac}}
                         .dump(2)
                  << "\n";
      } else {
        for (const auto& p : check->problems) std::cout << p << "\n";
        if (check->problem_count > static_cast<std::int64_t>(check->problems.size()))
          std::cout << "... " << check->problem_count << " problems in all\n";
        std::cout << check->entries << " entries, "
                  << (check->intact() ? "chain intact" : "chain BROKEN") << "; head seq "
                  << check->head_seq << " mac " << check->head_mac << "\n";
      }
      return check->intact() ? kExitOk : kExitNotClear;
    }
    lists::TrailQuery q = flags->query;
    if (!flags->number.empty() || !flags->state.empty() || !flags->type.empty()) {
      if (flags->number.empty() || flags->state.empty() || flags->type.empty())
        return Fail(kExitUsage, "--state, --type and --number go together");
      q.document = (*trail)->DocumentHash(flags->state, flags->type.substr(0, 1), flags->number);
    }
    q.limit += 1;  // one more, to know whether there is a next page
    auto entries = (*trail)->Query(q);
    if (!entries) return Fail(kExitUnavailable, entries.error().message);
    const bool more = entries->size() > flags->query.limit;
    if (more) entries->pop_back();
    if (flags->json) {
      std::cout << http::AuditToJson(*entries, more, 2) << "\n";
    } else {
      for (const auto& e : *entries) {
        std::cout << e.seq << "  " << e.time << "  " << e.key_id << "  " << e.action;
        if (!e.verdict.empty()) std::cout << "  " << e.verdict;
        if (!e.reasons.empty()) std::cout << " (" << e.reasons << ")";
        if (!e.document.empty()) std::cout << "  doc " << e.document;
        if (!e.document_number.empty()) std::cout << " " << e.document_number;
        if (!e.detail.empty()) std::cout << "  " << e.detail;
        std::cout << "\n";
      }
      if (more) std::cout << "(more: --after " << entries->back().seq << ")\n";
    }
    return kExitOk;
  };
}

}  // namespace tdv::app
