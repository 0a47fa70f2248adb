// SPDX-License-Identifier: Apache-2.0
#include "admin.h"

#include <unistd.h>

#include <cstdio>
#include <cstdlib>
#include <ctime>
#include <fstream>
#include <nlohmann/json.hpp>
#include <sstream>

#include "http_util.h"
#include "json_writer.h"
#include "tdv/lists/import_format.h"
#include "tdv/sig/base64.h"
#include "tdv/sig/trust_store.h"

namespace tdv::http::internal {
namespace {

constexpr std::size_t kMaxRecordBytes = 64u << 10;

Error Invalid(std::string message) { return Error{ErrorCode::kInvalidInput, std::move(message)}; }

// The source a change is made for: a list-admin key's own; an admin key's
// ?source=.
Result<std::string> SourceFor(const Principal& who, const httplib::Request& req) {
  const std::string asked = req.get_param_value("source");
  if (who.role == "list-admin") {
    if (!asked.empty() && asked != who.source) {
      return Error{ErrorCode::kPermissionDenied,
                   "this key changes the lists of source " + who.source + " only"};
    }
    return who.source;
  }
  if (asked.empty()) return Invalid("say which source owns the list: ?source=AGENCY");
  return asked;
}

std::string Actor(const Principal& who) { return "key:" + who.key_id; }

// An audit entry for a change; false (and a 503 answered) when it cannot be
// written: the change was made but is not answered as done.
bool Record(const AdminContext& ctx, const Principal& who, const std::string& action,
            const std::string& detail, httplib::Response& res) {
  if (ctx.audit == nullptr) return true;
  if (ctx.audit->Record(verify::AuditTrail::ChangeEntry(who.key_id, action, detail))) return true;
  SendProblem(res, 503, "unavailable", "Service unavailable",
              "the change was made but cannot be recorded in the audit trail");
  return false;
}

std::unique_ptr<lists::ListStore> OpenLists(const AdminContext& ctx, httplib::Response& res) {
  if (!ctx.open_lists) {
    SendProblem(res, 503, "unavailable", "Service unavailable", "no list store is configured");
    return nullptr;
  }
  auto store = ctx.open_lists();
  if (!store) {
    SendError(res, store.error());
    return nullptr;
  }
  return std::move(*store);
}

Result<sig::TrustStore> OpenTrust(const AdminContext& ctx) {
  if (ctx.trust_dir.empty()) return Error{ErrorCode::kUnavailable, "no trust store is configured"};
  return sig::TrustStore::Open(ctx.trust_dir);
}

bool Flag(const httplib::Request& req, const char* name, bool& out, httplib::Response& res) {
  if (!req.has_param(name)) return true;
  const std::string v = req.get_param_value(name);
  if (v != "true" && v != "false") {
    SendProblem(res, 422, "invalid-request", "Invalid request",
                std::string(name) + " must be true or false");
    return false;
  }
  out = v == "true";
  return true;
}

void Entry(JsonWriter& w, const sig::TrustEntry& e) {
  const bool crl = e.kind == sig::TrustKind::kCrl;
  w.BeginObject()
      .Member("id", e.id)
      .Member("kind", sig::TrustKindName(e.kind))
      .Member("country", e.country)
      .Member("subject", e.subject)
      .Member("issuer", e.issuer)
      .Member("serial", e.serial)
      .Member("not_before", e.not_before)
      .Member("not_after", e.not_after);
  if (crl) {
    // nextUpdate passed: chips and seals of this state are revocation_unknown.
    const bool expired = sig::CrlExpired(e, std::time(nullptr));
    w.Member("revoked", e.revoked).Member("expired", expired);
  } else {
    w.Member("self_signed", e.self_signed);
  }
  w.EndObject();
}

// The body of an import, streamed into an unlinked file (a list of
// millions of records never sits in memory).
class SpoolFile {
 public:
  SpoolFile() {
    const char* dir = std::getenv("TMPDIR");
    path_ = std::string(dir != nullptr && *dir != '\0' ? dir : "/tmp") + "/tdv-import-XXXXXX";
    fd_ = ::mkstemp(path_.data());
  }
  ~SpoolFile() {
    if (fd_ >= 0) ::close(fd_);
    if (fd_ >= 0) std::remove(path_.c_str());
  }
  bool ok() const { return fd_ >= 0; }
  bool Write(const char* data, std::size_t n) {
    while (n > 0) {
      const ssize_t w = ::write(fd_, data, n);
      if (w <= 0) return false;
      data += w;
      n -= static_cast<std::size_t>(w);
    }
    return true;
  }
  const std::string& path() const { return path_; }

 private:
  std::string path_;
  int fd_ = -1;
};

}  // namespace

void ListsStats(const AdminContext& ctx, const httplib::Request&, httplib::Response& res) {
  auto store = OpenLists(ctx, res);
  if (!store) return;
  auto all = store->Lists();
  if (!all) return SendError(res, all.error());
  JsonWriter w;
  w.BeginObject().Member("store", store->kind()).Key("lists").BeginArray();
  for (const auto& l : *all) {
    w.BeginObject()
        .Member("name", l.name)
        .Member("source", l.source)
        .Member("version", l.version)
        .Member("updated_at", l.updated_at)
        .Member("records", l.record_count)
        .EndObject();
  }
  w.EndArray().EndObject();
  res.set_content(w.Take(), kJsonType);
}

void ListsImport(const AdminContext& ctx, const Principal& who, const httplib::Request& req,
                 httplib::Response& res, const httplib::ContentReader& body) {
  const std::string list = req.matches[1];
  const std::string type = MediaType(req);
  lists::FileFormat format = lists::FileFormat::kCsv;
  if (type == "application/x-ndjson" || type == "application/jsonl") {
    format = lists::FileFormat::kJsonLines;
  } else if (type != "text/csv") {
    return SendProblem(
        res, 415, "unsupported-media-type", "Unsupported media type",
        "a list is text/csv or application/x-ndjson (JSON Lines); got '" + type + "'");
  }
  const std::string mode = req.has_param("mode") ? req.get_param_value("mode") : "full";
  if (mode != "full" && mode != "delta")
    return SendProblem(res, 422, "invalid-request", "Invalid request", "mode is full or delta");
  bool skip_bad_rows = false;
  if (!Flag(req, "skip_bad_rows", skip_bad_rows, res)) return;
  auto source = SourceFor(who, req);
  if (!source) return SendError(res, source.error());
  auto store = OpenLists(ctx, res);
  if (!store) return;

  SpoolFile spool;
  if (!spool.ok())
    return SendProblem(res, 503, "unavailable", "Service unavailable", "no room for the upload");
  bool written = true;
  if (!body([&](const char* data, std::size_t n) { return written = spool.Write(data, n); })) {
    if (!written)
      return SendProblem(res, 503, "unavailable", "Service unavailable", "no room for the upload");
    return SendProblem(res, 400, "bad-request", "Bad request", "the body could not be read");
  }
  std::ifstream in(spool.path(), std::ios::binary);
  lists::ImportFileOptions options;
  options.skip_bad_rows = skip_bad_rows;
  auto report =
      lists::ImportFile(*store, {list, *source, Actor(who), mode == "delta"}, in, format, options);
  if (!report) return SendError(res, report.error());
  JsonWriter w;
  w.BeginObject();
  if (!report->committed) {
    w.Member("type", "urn:tdv:problem:bad-rows")
        .Member("title", "Bad rows")
        .Member("status", 422)
        .Member("detail", std::to_string(report->error_count) + " bad row(s) of " +
                              std::to_string(report->rows) +
                              "; nothing was changed (skip_bad_rows=true imports the rest)");
  } else {
    w.Member("list", list)
        .Member("source", *source)
        .Member("version", report->summary.version)
        .Member("records", report->summary.record_count)
        .Member("upserted", report->summary.upserted)
        .Member("deleted", report->summary.deleted);
  }
  w.Member("rows", report->rows)
      .Member("skipped", report->skipped)
      .Member("error_count", report->error_count)
      .Key("errors")
      .BeginArray();
  for (const auto& e : report->errors)
    w.BeginObject().Member("line", e.line).Member("message", e.message).EndObject();
  w.EndArray().EndObject();
  if (!report->committed) {
    res.status = 422;
    res.set_content(w.Take(), kProblemType);
    return;
  }
  if (!Record(ctx, who, mode == "delta" ? "lists.delta" : "lists.import",
              "list=" + list + " source=" + *source +
                  " version=" + std::to_string(report->summary.version) +
                  " records=" + std::to_string(report->summary.record_count) +
                  " upserted=" + std::to_string(report->summary.upserted) +
                  " deleted=" + std::to_string(report->summary.deleted),
              res)) {
    return;
  }
  res.set_content(w.Take(), kJsonType);
}

namespace {

// One record's change through a delta session: upsert or delete.
void ChangeRecord(const AdminContext& ctx, const Principal& who, const std::string& list,
                  lists::ChangeOp op, const lists::ListRecord& record, const std::string& source,
                  httplib::Response& res) {
  auto store = OpenLists(ctx, res);
  if (!store) return;
  auto session = store->BeginImport({list, source, Actor(who), true});
  if (!session) return SendError(res, session.error());
  if (Status st = (*session)->Add(op, record); !st) return SendError(res, st.error());
  auto summary = (*session)->Commit();
  if (!summary) return SendError(res, summary.error());
  const bool removing = op == lists::ChangeOp::kDelete;
  if (removing && summary->deleted == 0) {
    return SendProblem(res, 404, "not-found", "Not found",
                       record.issuing_state + "/" + record.document_type + "/" +
                           record.document_number + " is not in list " + list);
  }
  // The record itself is in the list's own change history; the trail says
  // only that one changed (no document number).
  if (!Record(ctx, who, removing ? "lists.remove" : "lists.add",
              "list=" + list + " source=" + source + " version=" + std::to_string(summary->version),
              res)) {
    return;
  }
  JsonWriter w;
  w.BeginObject()
      .Member("list", list)
      .Member("source", source)
      .Member("version", summary->version)
      .Member("records", summary->record_count)
      .EndObject();
  res.set_content(w.Take(), kJsonType);
}

}  // namespace

void ListsAddRecord(const AdminContext& ctx, const Principal& who, const httplib::Request& req,
                    httplib::Response& res) {
  if (MediaType(req) != kJsonType) {
    return SendProblem(res, 415, "unsupported-media-type", "Unsupported media type",
                       "a record is application/json");
  }
  if (req.body.size() > kMaxRecordBytes)
    return SendProblem(res, 413, "payload-too-large", "Payload too large", "one record, please");
  auto source = SourceFor(who, req);
  if (!source) return SendError(res, source.error());
  // The JSON Lines reader checks the record as an import would: one line.
  const nlohmann::json j = nlohmann::json::parse(req.body, nullptr, false);
  if (j.is_discarded() || !j.is_object())
    return SendProblem(res, 400, "malformed-json", "Malformed JSON", "the body is not an object");
  if (j.contains("op"))
    return SendProblem(res, 422, "invalid-request", "Invalid request",
                       "\"op\" is not taken here: DELETE the record's path to remove it");
  std::istringstream line(j.dump() + "\n");
  auto reader = lists::RecordReader::Open(line, lists::FileFormat::kJsonLines, true);
  if (!reader) return SendError(res, reader.error());
  lists::ParsedRow row;
  std::optional<lists::RowError> error;
  if (!(*reader)->Next(row, error)) return SendError(res, Invalid("an empty record"));
  if (error) return SendError(res, Invalid(error->message));
  ChangeRecord(ctx, who, req.matches[1], lists::ChangeOp::kUpsert, row.record, *source, res);
}

void ListsRemoveRecord(const AdminContext& ctx, const Principal& who, const httplib::Request& req,
                       httplib::Response& res) {
  auto source = SourceFor(who, req);
  if (!source) return SendError(res, source.error());
  lists::ListRecord r;
  r.issuing_state = req.matches[2];
  r.document_type = req.matches[3];
  r.document_number = lists::NormalizeNumber(req.matches[4].str());
  if (r.document_number.empty())
    return SendError(res, Invalid("'" + req.matches[4].str() + "' is not a document number"));
  ChangeRecord(ctx, who, req.matches[1], lists::ChangeOp::kDelete, r, *source, res);
}

void ListsChanges(const AdminContext& ctx, const httplib::Request& req, httplib::Response& res) {
  std::size_t limit = 100;
  if (req.has_param("limit")) {
    const std::string v = req.get_param_value("limit");
    char* end = nullptr;
    const long n = std::strtol(v.c_str(), &end, 10);
    if (v.empty() || *end != '\0' || n < 1 || n > 10000)
      return SendProblem(res, 422, "invalid-request", "Invalid request",
                         "limit must be an integer 1-10000");
    limit = static_cast<std::size_t>(n);
  }
  auto store = OpenLists(ctx, res);
  if (!store) return;
  auto entries = store->Audit(req.matches[1], limit);
  if (!entries) return SendError(res, entries.error());
  JsonWriter w;
  w.BeginObject().Key("changes").BeginArray();
  for (const auto& e : *entries) {
    w.BeginObject()
        .Member("seq", e.seq)
        .Member("at", e.at)
        .Member("actor", e.actor)
        .Member("source", e.source)
        .Member("list", e.list)
        .Member("action", e.action)
        .Member("detail", e.detail)
        .EndObject();
  }
  w.EndArray().EndObject();
  res.set_content(w.Take(), kJsonType);
}

void TrustList(const AdminContext& ctx, const httplib::Request&, httplib::Response& res) {
  auto trust = OpenTrust(ctx);
  if (!trust) return SendError(res, trust.error());
  auto entries = trust->List();
  if (!entries) return SendError(res, entries.error());
  JsonWriter w;
  w.BeginObject().Key("entries").BeginArray();
  for (const auto& e : *entries) Entry(w, e);
  w.EndArray().EndObject();
  res.set_content(w.Take(), kJsonType);
}

void TrustImport(const AdminContext& ctx, const Principal& who, const httplib::Request& req,
                 httplib::Response& res) {
  // JSON: {"data": base64, "as": "csca|signer|crl", "roots": [base64...]};
  // or the file itself as the body, with ?as=.
  std::vector<std::uint8_t> data;
  sig::TrustImportOptions options;
  std::string as = req.get_param_value("as");
  if (MediaType(req) == kJsonType) {
    const nlohmann::json j = nlohmann::json::parse(req.body, nullptr, false);
    if (j.is_discarded() || !j.is_object())
      return SendProblem(res, 400, "malformed-json", "Malformed JSON", "the body is not an object");
    for (const auto& [key, value] : j.items()) {
      if (key == "data" || key == "roots") {
        const bool many = key == "roots";
        if (many ? !value.is_array() : !value.is_string())
          return SendError(res, Invalid("\"" + key + "\" must be " +
                                        (many ? "an array of base64 strings" : "base64")));
        for (const auto& item : many ? value : nlohmann::json::array({value})) {
          auto bytes = item.is_string() ? sig::DecodeBase64(item.get<std::string>())
                                        : Result<std::vector<std::uint8_t>>(Invalid("not base64"));
          if (!bytes) return SendError(res, Invalid("\"" + key + "\": " + bytes.error().message));
          if (many) {
            options.master_list_roots.push_back(std::move(*bytes));
          } else {
            data = std::move(*bytes);
          }
        }
      } else if (key == "as" && value.is_string()) {
        as = value.get<std::string>();
      } else {
        return SendError(res, Invalid("unknown member \"" + key + "\" (data, as, roots)"));
      }
    }
  } else {
    data.assign(req.body.begin(), req.body.end());
  }
  if (data.empty()) return SendError(res, Invalid("no certificate, CRL or master list given"));
  if (!as.empty()) {
    options.as = sig::ParseTrustKind(as);
    if (!options.as) return SendError(res, Invalid("as is csca, signer or crl"));
  }
  auto trust = OpenTrust(ctx);
  if (!trust) return SendError(res, trust.error());
  auto report = trust->Import(data, options);
  if (!report) return SendError(res, report.error());
  std::string ids;
  for (const auto& e : report->added) ids += (ids.empty() ? "" : ",") + e.id;
  if (!report->added.empty() &&
      !Record(ctx, who, "trust.import",
              std::string(report->master_list ? "master_list " : "") + "added=" + ids, res)) {
    return;
  }
  JsonWriter w;
  w.BeginObject().Member("master_list", report->master_list).Key("added").BeginArray();
  for (const auto& e : report->added) Entry(w, e);
  w.EndArray().Member("already_present", report->already_present).EndObject();
  res.status = report->added.empty() ? 200 : 201;
  res.set_content(w.Take(), kJsonType);
}

void TrustRemove(const AdminContext& ctx, const Principal& who, const httplib::Request& req,
                 httplib::Response& res) {
  auto trust = OpenTrust(ctx);
  if (!trust) return SendError(res, trust.error());
  auto removed = trust->Remove(req.matches[1].str());
  if (!removed) return SendError(res, removed.error());
  if (!Record(ctx, who, "trust.remove",
              "id=" + removed->id + " kind=" + sig::TrustKindName(removed->kind), res)) {
    return;
  }
  JsonWriter w;
  w.BeginObject().Key("removed");
  Entry(w, *removed);
  w.EndObject();
  res.set_content(w.Take(), kJsonType);
}

}  // namespace tdv::http::internal
