// SPDX-License-Identifier: Apache-2.0
#include "audit_cmd.h"

#include <fcntl.h>
#include <unistd.h>

#include <cerrno>
#include <chrono>
#include <cstdlib>
#include <cstring>
#include <ctime>
#include <fstream>
#include <iostream>
#include <nlohmann/json.hpp>
#include <optional>
#include <sstream>

#include "exit_codes.h"
#include "secret_file.h"
#include "tdv/http/report_json.h"
#include "tdv/sig/digest.h"

namespace tdv::app {
namespace {

struct AuditFlags {
  bool json = false;
  std::string checkpoint_file;
  lists::TrailQuery query;
  std::string state, type, number;
  int older_than_days = 0;
  std::string before;
};

int Fail(int code, const std::string& message) {
  std::cerr << "tdv audit: " << message << "\n";
  return code;
}

// The newest checkpoint of `path` ("-": standard input; a file of
// checkpoints or a service log that holds them among other lines): the one
// with the largest seq. A line that carries a checkpoint but not a whole
// one, or one not signed with this trail's key, is an error (a forged or
// foreign checkpoint never passes for none); so is a file without any.
Result<verify::Checkpoint> NewestCheckpoint(const std::string& path,
                                            const verify::AuditTrail& trail) {
  std::ifstream file;
  if (path != "-") {
    file.open(path);
    if (!file) return Error{ErrorCode::kInvalidInput, "cannot read " + path};
  }
  std::istream& in = path == "-" ? std::cin : file;
  std::optional<verify::Checkpoint> newest;
  std::string line;
  for (int n = 1; std::getline(in, line); ++n) {
    // A log line carries the checkpoint after a prefix.
    const std::size_t at = line.find("tdv-audit-checkpoint");
    if (at == std::string::npos) continue;
    auto c = verify::ParseCheckpoint(std::string_view(line).substr(at));
    if (!c) {
      return Error{ErrorCode::kInvalidInput,
                   path + " line " + std::to_string(n) + " is not a whole audit checkpoint"};
    }
    if (!trail.CheckpointSigned(*c)) {
      return Error{ErrorCode::kInvalidInput,
                   path + " line " + std::to_string(n) +
                       ": the checkpoint is not signed with this "
                       "trail's key (forged, altered or another trail's)"};
    }
    if (!newest || c->seq > newest->seq) newest = std::move(*c);
  }
  if (!newest) return Error{ErrorCode::kInvalidInput, path + " holds no audit checkpoint"};
  return *newest;
}

}  // namespace

CheckpointWriter::CheckpointWriter(verify::AuditTrail& trail, std::filesystem::path file,
                                   int seconds, std::ostream& log)
    : trail_(trail), file_(std::move(file)), log_(log) {
  if (seconds > 0)
    timer_.emplace(std::chrono::seconds(seconds), Periodic::First::kAfterInterval,
                   [this] { WriteIfMoved(); });
}

CheckpointWriter::~CheckpointWriter() {
  timer_.reset();
  WriteIfMoved();
}

void CheckpointWriter::WriteIfMoved() {
  auto [seq, mac] = trail_.LastCommitted();
  if (seq <= written_seq_) return;
  const std::string line = verify::CheckpointText(trail_.MakeCheckpoint(seq, std::move(mac)));
  log_ << "tdv: audit " << line << std::endl;
  if (!file_.empty()) {
    const int fd = ::open(file_.c_str(), O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0600);
    const std::string text = line + "\n";
    const bool ok = fd >= 0 &&
                    ::write(fd, text.data(), text.size()) == static_cast<ssize_t>(text.size()) &&
                    ::fsync(fd) == 0;
    if (fd >= 0) ::close(fd);
    if (!ok) {
      log_ << "tdv: the audit checkpoint could not be written to " << file_.string() << ": "
           << std::strerror(errno) << std::endl;
      return;  // tried again next time
    }
  }
  written_seq_ = seq;
}

Result<verify::Erasure> EraseOlderThan(verify::AuditTrail& trail, int days, std::string_view actor,
                                       std::ostream& log) {
  const std::time_t before = std::time(nullptr) - std::time_t{86400} * days;
  std::tm tm{};
  gmtime_r(&before, &tm);
  char text[32];
  std::strftime(text, sizeof(text), "%Y-%m-%dT%H:%M:%S.000Z", &tm);
  auto erased = trail.ErasePersonal(text, actor);
  if (!erased) {
    log << "tdv: audit: the document fields older than " << days
        << " days could not be erased: " << erased.error().message << std::endl;
  } else if (erased->upto_seq > 0) {
    log << "tdv: audit: erased the document fields of " << erased->entries
        << " entries written before " << text << " (up to seq " << erased->upto_seq << ")"
        << std::endl;
  }
  return erased;
}

PersonalRetention::PersonalRetention(verify::AuditTrail& trail, int days, std::ostream& log) {
  if (days > 0)
    timer_.emplace(std::chrono::hours(1), Periodic::First::kNow,
                   [&trail, days, &log] { (void)EraseOlderThan(trail, days, "service", log); });
}

Result<std::unique_ptr<verify::AuditTrail>> OpenAudit(const Config& config) {
  std::error_code ec;
  std::filesystem::create_directories(config.data_dir, ec);
  auto secret = ReadOrMakeSecret(
      config.audit_key_file.empty() ? config.data_dir / "audit.key" : config.audit_key_file,
      "an audit key");
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
  verify->add_option("--checkpoint", flags->checkpoint_file,
                     "a file of checkpoints (or a service log holding them; - for stdin): the "
                     "trail must still hold the newest one's entry");
  CLI::App* checkpoint = audit->add_subcommand(
      "checkpoint",
      "verify the chain, then print a signed checkpoint of its head to keep elsewhere");
  add_common(checkpoint);
  checkpoint->add_flag("--json", flags->json, "print JSON");
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
  CLI::App* erase = audit->add_subcommand(
      "erase",
      "erase the document hash and number of entries past their retention period (the chain "
      "still proves them)");
  add_common(erase);
  erase
      ->add_option("--older-than", flags->older_than_days,
                   "days (default: the configuration's audit_personal_days)")
      ->check(CLI::Range(1, 36500));
  erase->add_option("--before", flags->before,
                    "instead: entries written before this time (RFC 3339 UTC, or a date)");

  return [=]() -> int {
    if (!audit->parsed()) return -1;
    Result<Config> config = load();
    if (!config) return Fail(kExitUsage, config.error().message);
    auto trail = OpenAudit(*config);
    if (!trail) return Fail(kExitUnavailable, trail.error().message);
    if (erase->parsed()) {
      const int days =
          flags->older_than_days > 0 ? flags->older_than_days : config->audit_personal_days;
      Result<verify::Erasure> erased = verify::Erasure{};
      if (!flags->before.empty()) {
        if (flags->older_than_days > 0)
          return Fail(kExitUsage, "--before or --older-than, not both");
        // A date, then optionally a time: compared as text with the entries'.
        const std::string& b = flags->before;
        const bool date = b.size() >= 10 && b[4] == '-' && b[7] == '-' &&
                          b.find_first_not_of("0123456789-") >= 10 &&
                          (b.size() == 10 || b[10] == 'T') &&
                          b.find_first_not_of("0123456789-T:.Z") == std::string::npos;
        if (!date) return Fail(kExitUsage, "--before must be a date or an RFC 3339 UTC time");
        erased = (*trail)->ErasePersonal(b, CliActor());
      } else if (days <= 0) {
        return Fail(kExitUsage,
                    "no retention period: give --older-than DAYS or set audit_personal_days");
      } else {
        std::ostringstream log;  // what it did is printed below
        erased = EraseOlderThan(**trail, days, CliActor(), log);
      }
      if (!erased) return Fail(kExitUnavailable, erased.error().message);
      if (erased->upto_seq == 0)
        std::cout << "nothing to erase: no entry that old holds a document\n";
      else
        std::cout << "erased the document fields of " << erased->entries << " entries (up to seq "
                  << erased->upto_seq << ")\n";
      return kExitOk;
    }
    if (verify->parsed() || checkpoint->parsed()) {
      std::optional<verify::Checkpoint> against;
      if (!flags->checkpoint_file.empty()) {
        auto newest = NewestCheckpoint(flags->checkpoint_file, **trail);
        if (!newest) return Fail(kExitUsage, newest.error().message);
        against = std::move(*newest);
      }
      auto check = (*trail)->VerifyChain(against ? &*against : nullptr);
      if (!check) return Fail(kExitUnavailable, check.error().message);
      if (checkpoint->parsed()) {
        if (!check->intact()) {
          return Fail(kExitNotClear,
                      "the chain is broken (tdv audit verify names where): no "
                      "checkpoint is made of it");
        }
        if (check->head_seq == 0)
          return Fail(kExitNotClear, "the trail is empty: nothing to checkpoint");
        const verify::Checkpoint c = (*trail)->MakeCheckpoint(check->head_seq, check->head_mac);
        if (flags->json) {
          std::cout << nlohmann::json{{"seq", c.seq},
                                      {"mac", c.mac},
                                      {"time", c.time},
                                      {"signature", c.signature},
                                      {"line", verify::CheckpointText(c)}}
                           .dump(2)
                    << "\n";
        } else {
          std::cout << verify::CheckpointText(c) << "\n";
        }
        return kExitOk;
      }
      if (flags->json) {
        nlohmann::json out{{"entries", check->entries},
                           {"intact", check->intact()},
                           {"problem_count", check->problem_count},
                           {"problems", check->problems},
                           {"erased", check->erased},
                           {"head_seq", check->head_seq},
                           {"head_mac", check->head_mac}};
        if (against) {
          out["checkpoint"] = {{"seq", against->seq}, {"time", against->time}};
          out["missing"] = check->missing;
        }
        std::cout << out.dump(2) << "\n";
      } else {
        for (const auto& p : check->problems) std::cout << p << "\n";
        if (check->erased > 0)
          std::cout << check->erased << " entries with their document fields erased\n";
        if (check->problem_count > static_cast<std::int64_t>(check->problems.size()))
          std::cout << "... " << check->problem_count << " problems in all\n";
        std::cout << check->entries << " entries, "
                  << (check->intact() ? "chain intact" : "chain BROKEN") << "; head seq "
                  << check->head_seq << " mac " << check->head_mac;
        if (against) {
          std::cout << "; checkpoint seq " << against->seq << " of " << against->time
                    << (check->missing > 0
                            ? ": " + std::to_string(check->missing) +
                                  (check->missing == 1 ? " entry" : " entries") + " missing"
                            : std::string(check->intact() ? ": held" : ""));
        }
        std::cout << "\n";
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
