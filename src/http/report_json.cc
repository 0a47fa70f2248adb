// SPDX-License-Identifier: Apache-2.0
#include "tdv/http/report_json.h"

#include <nlohmann/json.hpp>

namespace tdv::http {

using nlohmann::json;

namespace {

void PutSpan(json& j, const mrz::Span& s) {
  j["line"] = s.line;
  j["start"] = s.start;
  j["end"] = s.end;
}

json IssueJson(const mrz::Issue& issue) {
  json j = {{"field", issue.field}, {"code", issue.code}, {"message", issue.message}};
  PutSpan(j, issue.span);
  if (issue.expected != 0) j["expected"] = std::string(1, issue.expected);
  return j;
}

const char* DateState(mrz::DateField::State s) {
  switch (s) {
    case mrz::DateField::State::kComplete:
      return "complete";
    case mrz::DateField::State::kPartial:
      return "partial";
    case mrz::DateField::State::kUnknown:
      return "unknown";
    case mrz::DateField::State::kNoExpiry:
      return "no_expiry";
    case mrz::DateField::State::kInvalid:
      return "invalid";
  }
  return "invalid";
}

json DateDetail(const mrz::DateField& d) {
  json j = {{"raw", d.raw}, {"state", DateState(d.state)}};
  j["year"] = d.year ? json(*d.year) : json(nullptr);
  j["month"] = d.month ? json(*d.month) : json(nullptr);
  j["day"] = d.day ? json(*d.day) : json(nullptr);
  PutSpan(j, d.span);
  return j;
}

json TextDetail(const mrz::TextField& f) {
  json j = {{"raw", f.raw}, {"value", f.value}};
  PutSpan(j, f.span);
  return j;
}

json MrzJson(const mrz::Mrz& m) {
  json out;
  out["format"] =
      m.format == mrz::MrzFormat::kUnknown ? json(nullptr) : json(mrz::FormatName(m.format));
  out["lines"] = m.lines;
  out["valid"] = m.valid();
  json fields = json::object();
  json details = json::object();
  if (m.format != mrz::MrzFormat::kUnknown) {
    auto text = [&](const char* name, const mrz::TextField& f) {
      if (!f.present) return;
      fields[name] = f.value;
      details[name] = TextDetail(f);
    };
    auto date = [&](const char* name, const mrz::DateField& d) {
      if (!d.present) return;
      const std::string iso = d.Iso();
      fields[name] = iso.empty() ? json(nullptr) : json(iso);
      fields[std::string(name) + "_raw"] = d.raw;
      details[name] = DateDetail(d);
    };
    text("document_code", m.document_code);
    text("issuing_state", m.issuing_state);
    text("document_number", m.document_number);
    fields["primary_identifier"] = m.name.primary_identifier;
    fields["secondary_identifier"] = m.name.secondary_identifier;
    json name = {{"raw", m.name.raw}, {"truncated", m.name.truncated}};
    PutSpan(name, m.name.span);
    details["name"] = name;
    text("nationality", m.nationality);
    date("birth_date", m.birth_date);
    text("sex", m.sex);
    date("expiry_date", m.expiry_date);
    text("optional_data", m.optional_data);
    text("optional_data_2", m.optional_data_2);
    details["document_number_overflow"] = m.document_number_overflow;
  }
  out["fields"] = fields;
  out["field_details"] = details;
  json checks = json::array();
  for (const auto& c : m.checks) {
    json j = {{"field", c.field}, {"actual", std::string(1, c.actual)}, {"ok", c.ok}};
    j["expected"] = c.expected ? json(std::string(1, c.expected)) : json(nullptr);
    if (!c.variant.empty()) j["variant"] = c.variant;
    PutSpan(j, c.span);
    checks.push_back(std::move(j));
  }
  out["check_digits"] = checks;
  json errors = json::array(), warnings = json::array();
  for (const auto& e : m.errors) errors.push_back(IssueJson(e));
  for (const auto& w : m.warnings) warnings.push_back(IssueJson(w));
  out["errors"] = errors;
  out["warnings"] = warnings;
  return out;
}

const char* ExpiryName(mrz::ExpiryStatus s) {
  switch (s) {
    case mrz::ExpiryStatus::kValid:
      return "valid";
    case mrz::ExpiryStatus::kExpired:
      return "expired";
    case mrz::ExpiryStatus::kNoExpiry:
      return "no_expiry";
    case mrz::ExpiryStatus::kUnknown:
      return "unknown";
  }
  return "unknown";
}

json OptionalDate(const std::optional<mrz::CivilDate>& d) {
  return d ? json(d->ToIso()) : json(nullptr);
}

json ListsJson(const lists::ListsCheck& c) {
  const char* status = "unavailable";
  switch (c.status) {
    case lists::ListsCheck::Status::kClear:
      status = "clear";
      break;
    case lists::ListsCheck::Status::kHit:
      status = "hit";
      break;
    case lists::ListsCheck::Status::kUnavailable:
      status = "unavailable";
      break;
    case lists::ListsCheck::Status::kNoLists:
      status = "no_lists";
      break;
  }
  json consulted = json::array();
  for (const auto& l : c.consulted) {
    consulted.push_back({{"name", l.info.name},
                         {"source", l.info.source},
                         {"version", l.info.version},
                         {"updated_at", l.info.updated_at},
                         {"age_seconds", l.age_seconds},
                         {"records", l.indexed}});
  }
  json hits = json::array();
  for (const auto& h : c.hits) {
    const lists::ListRecord& r = h.record;
    hits.push_back({{"match", h.kind == lists::ListHit::Kind::kExact ? "exact" : "possible"},
                    {"list", h.list},
                    {"differing_positions", h.differing_positions},
                    {"record",
                     {{"issuing_state", r.issuing_state},
                      {"document_type", r.document_type},
                      {"document_number", r.document_number},
                      {"status", lists::RecordStatusName(r.status)},
                      {"reporting_agency", r.reporting_agency},
                      {"date_reported", OptionalDate(r.date_reported)},
                      {"expiry_date", OptionalDate(r.expiry_date)},
                      {"review_date", OptionalDate(r.review_date)},
                      {"national_reference", r.national_reference},
                      {"reason", r.reason}}}});
  }
  return {{"status", status},
          {"detail", c.detail},
          {"index_age_seconds", c.index_age_seconds},
          {"consulted", consulted},
          {"hits", hits}};
}

json ImageJson(const vision::MrzImageReading& r) {
  json polygon = json::array();
  for (const auto& p : r.polygon) polygon.push_back({p.x, p.y});
  json repairs = json::array();
  for (const auto& c : r.repair.repairs) {
    repairs.push_back({{"line", c.line},
                       {"position", c.position},
                       {"from", std::string(1, c.from)},
                       {"to", std::string(1, c.to)},
                       {"field", c.field},
                       {"reason", c.reason}});
  }
  return {{"width", r.image_width},
          {"height", r.image_height},
          {"polygon", polygon},
          {"rotation_degrees", r.rotation_degrees},
          {"line_confidence", r.line_confidence},
          {"ocr_lines", r.raw_lines},
          {"repairs", repairs},
          {"check_digits_satisfied", r.repair.checks_satisfied},
          {"ambiguous", r.repair.ambiguous},
          {"timings_ms", {{"decode", r.decode_ms}, {"locate", r.locate_ms}, {"ocr", r.ocr_ms}}}};
}

Error Invalid(std::string message) { return Error{ErrorCode::kInvalidInput, std::move(message)}; }

}  // namespace

std::string ReportToJson(const verify::VerificationReport& report, int indent) {
  json j;
  j["verdict"] = verify::VerdictName(report.verdict);
  json reasons = json::array();
  for (const auto& r : report.reasons)
    reasons.push_back({{"code", r.code}, {"message", r.message}});
  j["reasons"] = reasons;
  json checks = json::array();
  for (const auto& c : report.checks) {
    checks.push_back({{"name", c.name},
                      {"status", verify::CheckStatusName(c.status)},
                      {"detail", c.detail},
                      {"required", c.required}});
  }
  j["checks"] = checks;
  j["as_of"] = report.as_of.ToIso();
  j["policy"] = {{"allow_specimens", report.allow_specimens}, {"strict", report.strict}};
  if (report.expiry) j["expiry"] = ExpiryName(*report.expiry);
  j["mrz"] = MrzJson(report.mrz);
  if (report.lists) j["lists"] = ListsJson(*report.lists);
  if (report.image) j["image"] = ImageJson(*report.image);
  return j.dump(indent, ' ', false, json::error_handler_t::replace);
}

Result<verify::VerifyRequest> ParseVerifyRequestJson(std::string_view body) {
  json j = json::parse(body, nullptr, /*allow_exceptions=*/false);
  if (j.is_discarded()) return Invalid("malformed JSON: the body is not a JSON document");
  if (!j.is_object()) return Invalid("the body must be a JSON object");
  verify::VerifyRequest request;
  bool have_mrz = false;
  for (const auto& [key, value] : j.items()) {
    if (key == "mrz") {
      have_mrz = true;
      if (value.is_string()) {
        request.mrz_text = value.get<std::string>();
      } else if (value.is_array() && !value.empty() &&
                 std::all_of(value.begin(), value.end(),
                             [](const json& v) { return v.is_string(); })) {
        for (const auto& line : value) request.mrz_lines.push_back(line.get<std::string>());
      } else {
        return Invalid("\"mrz\" must be a string or a non-empty array of strings");
      }
    } else if (key == "allow_specimens" || key == "strict" || key == "check_expiry") {
      if (!value.is_boolean()) return Invalid("\"" + key + "\" must be true or false");
      const bool b = value.get<bool>();
      (key == "allow_specimens" ? request.options.allow_specimens
       : key == "strict"        ? request.options.strict
                                : request.options.check_expiry) = b;
    } else if (key == "as_of") {
      std::optional<mrz::CivilDate> date;
      if (value.is_string()) date = mrz::ParseIsoDate(value.get<std::string>());
      if (!date) return Invalid("\"as_of\" must be a date \"YYYY-MM-DD\"");
      request.options.as_of = date;
    } else {
      return Invalid("unknown member \"" + key + "\"");
    }
  }
  if (!have_mrz) return Invalid("the request has no \"mrz\"");
  bool blank = request.mrz_lines.empty() &&
               request.mrz_text.find_first_not_of(" \t\r\n") == std::string::npos;
  if (blank) return Invalid("\"mrz\" is empty");
  return request;
}

std::string ProblemJson(int status, std::string_view type, std::string_view title,
                        std::string_view detail) {
  json j = {{"type", "urn:tdv:problem:" + std::string(type)},
            {"title", title},
            {"status", status},
            {"detail", detail}};
  return j.dump(-1, ' ', false, json::error_handler_t::replace);
}

}  // namespace tdv::http
