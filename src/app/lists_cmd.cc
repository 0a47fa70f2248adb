// SPDX-License-Identifier: Apache-2.0
#include "lists_cmd.h"

#include <unistd.h>

#include <fstream>
#include <iostream>
#include <memory>
#include <nlohmann/json.hpp>

#include "audit_cmd.h"
#include "exit_codes.h"
#include "partners.h"
#include "tdv/lists/import_format.h"
#include "tdv/lists/list_index.h"
#include "tdv/lists/list_store.h"

namespace tdv::app {
namespace {

int Report(const Error& e) {
  std::cerr << "tdv: " << e.message << "\n";
  switch (e.code) {
    case ErrorCode::kPermissionDenied:
      return kExitDenied;
    case ErrorCode::kUnavailable:
    case ErrorCode::kInternal:
    case ErrorCode::kCorrupt:
      return kExitUnavailable;
    default:
      return kExitUsage;
  }
}

std::string DefaultActor() {
  const char* user = std::getenv("USER");
  return std::string("cli:") + (user != nullptr && *user ? user : "unknown");
}

struct Flags {
  std::string list, source, actor, file, format, state, type, number, status, agency, reason,
      reference;
  std::string reported, expiry, review;
  bool delta = false, skip_bad_rows = false, json = false;
  std::size_t limit = 50;
};

}  // namespace

std::function<int()> AddListsCommands(CLI::App& parent, std::function<Result<Config>()> load,
                                      const std::string& store_flag,
                                      const std::function<void(CLI::App*)>& add_common) {
  auto flags = std::make_shared<Flags>();
  CLI::App* lists = parent.add_subcommand("lists", "manage the lost-and-stolen lists");
  lists->require_subcommand(1);
  auto sub = [&](const char* name, const char* help) {
    CLI::App* c = lists->add_subcommand(name, help);
    add_common(c);
    return c;
  };
  CLI::App* import =
      sub("import", "import a CSV or JSON Lines file (full replacement, or --delta)");
  import->add_option("--list", flags->list, "list name (created on first import)")->required();
  import->add_option("--source", flags->source, "the agency that owns the list")->required();
  import->add_option("FILE", flags->file, "file to import, - for stdin")->required();
  import->add_flag("--delta", flags->delta,
                   "apply changes (column op: upsert|delete) instead of replacing");
  import->add_flag("--skip-bad-rows", flags->skip_bad_rows,
                   "import the good rows, report the bad (default: reject the file)");
  import->add_option("--format", flags->format, "csv or jsonl (default: by file extension)");
  import->add_option("--actor", flags->actor,
                     "who imports, for the audit trail (default cli:$USER)");

  CLI::App* exp = sub("export", "write a list as CSV or JSON Lines");
  exp->add_option("--list", flags->list)->required();
  exp->add_option("FILE", flags->file, "output file (default -: stdout)");
  exp->add_option("--format", flags->format, "csv or jsonl (default: by extension, else csv)");

  CLI::App* stats = sub("stats", "lists, versions, record counts and index memory");
  stats->add_flag("--json", flags->json);

  CLI::App* add = sub("add", "add or update one record");
  CLI::App* remove = sub("remove", "remove one record");
  for (CLI::App* c : {add, remove}) {
    c->add_option("--list", flags->list)->required();
    c->add_option("--source", flags->source)->required();
    c->add_option("--state", flags->state, "issuing state")->required();
    c->add_option("--type", flags->type, "document type (P, ID, V, ...)")->required();
    c->add_option("--number", flags->number, "document number")->required();
    c->add_option("--actor", flags->actor);
  }
  add->add_option("--status", flags->status, "lost|stolen|stolen_blank|revoked|invalidated")
      ->required();
  add->add_option("--reporting-agency", flags->agency);
  add->add_option("--date-reported", flags->reported, "YYYY-MM-DD");
  add->add_option("--expiry-date", flags->expiry, "YYYY-MM-DD");
  add->add_option("--review-date", flags->review, "YYYY-MM-DD");
  add->add_option("--national-reference", flags->reference);
  add->add_option("--reason", flags->reason);

  CLI::App* drop = sub("drop", "delete a whole list");
  drop->add_option("--list", flags->list)->required();
  drop->add_option("--source", flags->source)->required();
  drop->add_option("--actor", flags->actor);

  CLI::App* audit = sub("audit", "the change history, newest first");
  audit->add_option("--list", flags->list);
  audit->add_option("--limit", flags->limit)->check(CLI::Range(1, 100000));
  audit->add_flag("--json", flags->json);

  CLI::App* subscribe =
      sub("subscribe",
          "fetch and keep the signed feeds of the partners configured with a \"feed\" "
          "(checked offline after)");
  subscribe->add_option("--partner", flags->list, "only this partner (its name in partners)");

  return [=, &store_flag]() -> int {
    if (!lists->parsed()) return -1;
    Result<Config> config = load();
    if (!config) return Report(config.error());
    if (subscribe->parsed()) {
      auto partners = Partners::Open(*config);
      if (!partners) return Report(partners.error());
      Status s = (*partners)->Subscribe(flags->list, std::cout);
      if (!s) {
        std::cerr << "tdv lists subscribe: " << s.error().message << "\n";
        return s.error().code == ErrorCode::kNotFound ? kExitUsage : kExitUnavailable;
      }
      return kExitOk;
    }
    std::error_code ec;
    std::filesystem::create_directories(config->data_dir, ec);
    const std::string url = store_flag.empty() ? config->store : store_flag;
    auto opened = lists::OpenStore(url);
    if (!opened) return Report(opened.error());
    lists::ListStore& store = **opened;
    Flags& f = *flags;
    if (f.actor.empty()) f.actor = DefaultActor();
    // Changes are recorded in the audit trail: opened before anything changes.
    std::unique_ptr<verify::AuditTrail> trail;
    if (import->parsed() || add->parsed() || remove->parsed() || drop->parsed()) {
      auto opened_trail = OpenAudit(*config);
      if (!opened_trail) return Report(opened_trail.error());
      trail = std::move(*opened_trail);
    }
    auto record = [&](const std::string& action, const std::string& detail) {
      return RecordChange(*trail, action,
                          "list=" + f.list + " source=" + f.source + " " + detail +
                              (f.actor != DefaultActor() ? " actor=" + f.actor : ""))
                 ? kExitOk
                 : kExitUnavailable;
    };

    auto format_for = [&](bool default_csv) -> Result<lists::FileFormat> {
      if (f.format == "csv") return lists::FileFormat::kCsv;
      if (f.format == "jsonl") return lists::FileFormat::kJsonLines;
      if (!f.format.empty())
        return Error{ErrorCode::kInvalidInput, "--format must be csv or jsonl"};
      if (f.file.empty() || f.file == "-") {
        if (default_csv) return lists::FileFormat::kCsv;
        return Error{ErrorCode::kInvalidInput, "reading stdin: say --format csv or jsonl"};
      }
      return lists::FormatForPath(f.file);
    };

    if (import->parsed()) {
      auto format = format_for(false);
      if (!format) return Report(format.error());
      std::ifstream file;
      if (f.file != "-") {
        file.open(f.file, std::ios::binary);
        if (!file) return Report(Error{ErrorCode::kInvalidInput, "cannot open " + f.file});
      }
      std::istream& in = f.file == "-" ? std::cin : file;
      lists::ImportFileOptions o;
      o.skip_bad_rows = f.skip_bad_rows;
      const bool tty = isatty(STDERR_FILENO) != 0;
      if (tty)
        o.progress = [](std::int64_t rows) {
          std::cerr << "\r  " << rows << " rows read" << std::flush;
        };
      auto report = lists::ImportFile(store, {f.list, f.source, f.actor, f.delta}, in, *format, o);
      if (tty) std::cerr << "\r" << std::string(40, ' ') << "\r";
      if (!report) return Report(report.error());
      for (const auto& e : report->errors)
        std::cerr << f.file << ":" << e.line << ": " << e.message << "\n";
      if (report->error_count > static_cast<std::int64_t>(report->errors.size())) {
        std::cerr << "... and "
                  << report->error_count - static_cast<std::int64_t>(report->errors.size())
                  << " more bad rows\n";
      }
      if (!report->committed) {
        std::cerr << "tdv: import rejected: " << report->error_count << " bad row(s) of "
                  << report->rows << "; nothing was changed (--skip-bad-rows imports the rest)\n";
        return kExitNotClear;
      }
      std::cout << "list " << f.list << " version " << report->summary.version << ": "
                << report->summary.record_count << " records (" << report->rows << " rows read, "
                << report->summary.upserted << " upserted, " << report->summary.deleted
                << " deleted, " << report->skipped << " skipped)\n";
      return record(f.delta ? "lists.delta" : "lists.import",
                    "version=" + std::to_string(report->summary.version) +
                        " records=" + std::to_string(report->summary.record_count) +
                        " upserted=" + std::to_string(report->summary.upserted) +
                        " deleted=" + std::to_string(report->summary.deleted));
    }
    if (exp->parsed()) {
      auto format = format_for(true);
      if (!format) return Report(format.error());
      std::ofstream file;
      const bool to_stdout = f.file.empty() || f.file == "-";
      const std::string tmp = f.file + ".partial";
      if (!to_stdout) {
        file.open(tmp, std::ios::binary | std::ios::trunc);
        if (!file) return Report(Error{ErrorCode::kInvalidInput, "cannot write " + tmp});
      }
      auto n = lists::ExportFile(store, f.list, to_stdout ? std::cout : file, *format);
      if (!to_stdout) {
        file.close();
        // Written in full, then renamed: never a half-written export.
        if (!n || !file || std::rename(tmp.c_str(), f.file.c_str()) != 0) {
          std::remove(tmp.c_str());
          if (n) return Report(Error{ErrorCode::kUnavailable, "cannot write " + f.file});
        }
      }
      if (!n) return Report(n.error());
      std::cerr << "exported " << *n << " records\n";
      return kExitOk;
    }
    if (stats->parsed()) {
      auto all = store.Lists();
      if (!all) return Report(all.error());
      lists::ListIndex index;
      if (Status st = index.Load(store); !st) return Report(st.error());
      const double per =
          index.record_count() ? double(index.MemoryBytes()) / double(index.record_count()) : 0.0;
      if (f.json) {
        nlohmann::json j = {{"store", store.kind()},
                            {"records", index.record_count()},
                            {"index_bytes", index.MemoryBytes()},
                            {"index_bytes_per_record", per},
                            {"lists", nlohmann::json::array()}};
        for (const auto& l : *all) {
          j["lists"].push_back({{"name", l.name},
                                {"source", l.source},
                                {"version", l.version},
                                {"updated_at", l.updated_at},
                                {"records", l.record_count}});
        }
        std::cout << j.dump(2) << "\n";
      } else {
        for (const auto& l : *all) {
          std::cout << l.name << "  source " << l.source << "  version " << l.version << "  "
                    << l.record_count << " records  updated " << l.updated_at << "\n";
        }
        std::cout << all->size() << " list(s), " << index.record_count() << " records; index "
                  << index.MemoryBytes() << " bytes (" << per << " per record); store "
                  << store.kind() << "\n";
      }
      return kExitOk;
    }
    if (add->parsed() || remove->parsed()) {
      lists::ListRecord r;
      r.issuing_state = f.state;
      r.document_type = f.type;
      r.document_number = lists::NormalizeNumber(f.number);
      if (add->parsed()) {
        auto status = lists::ParseRecordStatus(f.status);
        if (!status)
          return Report(
              Error{ErrorCode::kInvalidInput, "--status '" + f.status + "' is not a status"});
        r.status = *status;
        r.reporting_agency = f.agency;
        r.reason = f.reason;
        r.national_reference = f.reference;
        for (auto [text, field, name] :
             {std::tuple{&f.reported, &r.date_reported, "--date-reported"},
              std::tuple{&f.expiry, &r.expiry_date, "--expiry-date"},
              std::tuple{&f.review, &r.review_date, "--review-date"}}) {
          if (text->empty()) continue;
          *field = mrz::ParseIsoDate(*text);
          if (!*field)
            return Report(
                Error{ErrorCode::kInvalidInput, std::string(name) + " must be YYYY-MM-DD"});
        }
      }
      auto session = store.BeginImport({f.list, f.source, f.actor, true});
      if (!session) return Report(session.error());
      if (Status st = (*session)->Add(
              add->parsed() ? lists::ChangeOp::kUpsert : lists::ChangeOp::kDelete, r);
          !st) {
        return Report(st.error());
      }
      auto summary = (*session)->Commit();
      if (!summary) return Report(summary.error());
      if (remove->parsed() && summary->deleted == 0) {
        std::cerr << "tdv: " << r.issuing_state << "/" << r.document_type << "/"
                  << r.document_number << " is not in list " << f.list << "\n";
        return kExitNotClear;
      }
      std::cout << "list " << f.list << " version " << summary->version << ": "
                << summary->record_count << " records\n";
      // The record itself is in the list's own change history; here only
      // that a record changed (no document number in the audit detail).
      return record(add->parsed() ? "lists.add" : "lists.remove",
                    "version=" + std::to_string(summary->version));
    }
    if (drop->parsed()) {
      if (Status st = store.DropList(f.list, f.source, f.actor); !st) return Report(st.error());
      std::cout << "list " << f.list << " dropped\n";
      return record("lists.drop", "");
    }
    if (audit->parsed()) {
      auto entries = store.Audit(f.list, f.limit);
      if (!entries) return Report(entries.error());
      if (f.json) {
        nlohmann::json j = nlohmann::json::array();
        for (const auto& e : *entries) {
          j.push_back({{"seq", e.seq},
                       {"at", e.at},
                       {"actor", e.actor},
                       {"source", e.source},
                       {"list", e.list},
                       {"action", e.action},
                       {"detail", e.detail}});
        }
        std::cout << j.dump(2) << "\n";
      } else {
        for (const auto& e : *entries) {
          std::cout << e.seq << "  " << e.at << "  " << e.actor << "  " << e.source << "  "
                    << e.list << "  " << e.action << "  " << e.detail << "\n";
        }
      }
      return kExitOk;
    }
    return kExitUsage;
  };
}

}  // namespace tdv::app
