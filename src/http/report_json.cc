// SPDX-License-Identifier: Apache-2.0
#include "tdv/http/report_json.h"

#include <charconv>
#include <nlohmann/json.hpp>
#include <system_error>

#include "tdv/sig/base64.h"

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
  json uncertain = json::array();
  for (const auto& u : r.repair.uncertain) {
    uncertain.push_back(
        {{"line", u.line}, {"position", u.position}, {"field", u.field}, {"reason", u.reason}});
  }
  return {{"width", r.image_width},
          {"height", r.image_height},
          {"polygon", polygon},
          {"rotation_degrees", r.rotation_degrees},
          {"line_confidence", r.line_confidence},
          {"char_confidence", r.char_confidence},
          {"ocr_lines", r.raw_lines},
          {"repairs", repairs},
          {"check_digits_satisfied", r.repair.checks_satisfied},
          {"ambiguous", r.repair.ambiguous},
          {"uncertain", uncertain},
          {"timings_ms", {{"decode", r.decode_ms}, {"locate", r.locate_ms}, {"ocr", r.ocr_ms}}}};
}

json SignerJson(const sig::SignerInfo& s) {
  return {{"subject", s.subject},
          {"issuer", s.issuer},
          {"serial", s.serial},
          {"country", s.country},
          {"not_before", s.not_before},
          {"not_after", s.not_after},
          {"csca", s.csca},
          {"chain", sig::ChainStatusName(s.chain)},
          {"chain_detail", s.chain_detail},
          {"crl", s.crl}};
}

json OptionalBool(const std::optional<bool>& b) { return b ? json(*b) : json(nullptr); }

json SealJson(const verify::SealReport& r) {
  const sig::SealVerification& v = r.verification;
  json j = {{"status", sig::SealStatusName(v.status)}, {"detail", v.detail}, {"source", r.source}};
  if (v.status == sig::SealStatus::kMalformed) j["offset"] = v.offset;
  if (r.polygon) {
    json poly = json::array();
    for (const auto& p : *r.polygon) poly.push_back({p.x, p.y});
    j["polygon"] = poly;
  }
  j["signer"] = v.signer ? SignerJson(*v.signer) : json(nullptr);
  if (v.seal) {
    const sig::VdsHeader& h = v.seal->header;
    j["header"] = {{"version", h.version},
                   {"issuing_state", h.issuing_state},
                   {"signer_id", h.signer_id},
                   {"cert_reference", h.cert_reference},
                   {"issue_date", h.issue_date},
                   {"signature_date", h.signature_date},
                   {"document_ref", h.feature_ref * 256 + h.type_category}};
    j["profile"] = v.seal->profile;
    json features = json::array();
    for (const auto& f : v.seal->features) {
      features.push_back({{"tag", f.tag}, {"name", f.name}, {"value", f.value}});
    }
    j["features"] = features;
    j["mrz"] = v.seal->mrz;
  }
  j["mrz_match"] = OptionalBool(r.mrz_match);
  j["passport_match"] = OptionalBool(r.passport_match);
  return j;
}

json ChipJson(const verify::ChipReport& r) {
  const sig::ChipVerification& v = r.verification;
  json groups = json::array();
  for (const auto& g : v.data_groups)
    groups.push_back({{"number", g.number}, {"status", g.status}});
  return {{"status", sig::ChipStatusName(v.status)},
          {"detail", v.detail},
          {"signer", v.signer ? SignerJson(*v.signer) : json(nullptr)},
          {"hash_algorithm", v.hash_algorithm},
          {"signature_algorithm", v.signature_algorithm},
          {"data_groups", groups},
          {"mrz_match", OptionalBool(r.mrz_match)}};
}

Error Invalid(std::string message) { return Error{ErrorCode::kInvalidInput, std::move(message)}; }

// A base64 member as bytes.
Result<std::vector<std::uint8_t>> Bytes(const json& value, const std::string& name) {
  if (!value.is_string()) return Invalid("\"" + name + "\" must be a base64 string");
  auto bytes = sig::DecodeBase64(value.get<std::string>());
  if (!bytes) return Invalid("\"" + name + "\": " + bytes.error().message);
  if (bytes->empty()) return Invalid("\"" + name + "\" is empty");
  return bytes;
}

// "chip": {"sod": BASE64, "data_groups": {"1": BASE64, ...}}
Result<sig::ChipData> ChipFromJson(const json& value) {
  if (!value.is_object())
    return Invalid("\"chip\" must be an object with \"sod\" and \"data_groups\"");
  sig::ChipData chip;
  for (const auto& [key, member] : value.items()) {
    if (key == "sod") {
      auto b = Bytes(member, "chip.sod");
      if (!b) return b.error();
      chip.sod = std::move(*b);
    } else if (key == "data_groups") {
      if (!member.is_object()) return Invalid("\"chip.data_groups\" must map numbers to base64");
      for (const auto& [number, dg] : member.items()) {
        int n = 0;
        auto [end, ec] = std::from_chars(number.data(), number.data() + number.size(), n);
        if (ec != std::errc() || end != number.data() + number.size() || n < 1 || n > 16) {
          return Invalid("data group \"" + number + "\": the number must be 1 to 16");
        }
        auto b = Bytes(dg, "chip.data_groups." + number);
        if (!b) return b.error();
        chip.data_groups[n] = std::move(*b);
      }
    } else {
      return Invalid("unknown member \"chip." + key + "\"");
    }
  }
  if (chip.sod.empty()) return Invalid("\"chip\" has no \"sod\"");
  if (!chip.data_groups.count(1)) return Invalid("\"chip.data_groups\" needs DG1 (\"1\")");
  return chip;
}

}  // namespace

std::string ReportToJson(const verify::VerificationReport& report, int indent) {
  json j;
  j["verdict"] = verify::VerdictName(report.verdict);
  json reasons = json::array();
  for (const auto& r : report.reasons)
    reasons.push_back({{"code", r.code}, {"message", r.message}});
  j["reasons"] = reasons;
  json notes = json::array();
  for (const auto& r : report.notes) notes.push_back({{"code", r.code}, {"message", r.message}});
  j["notes"] = notes;
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
  j["mrz_source"] = report.mrz_source;
  if (report.seal) j["seal"] = SealJson(*report.seal);
  if (report.chip) j["chip"] = ChipJson(*report.chip);
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
    } else if (key == "seal" || key == "image") {
      auto b = Bytes(value, key);
      if (!b) return b.error();
      (key == "seal" ? request.seal : request.image) = std::move(*b);
      if (key == "image") have_mrz = true;
    } else if (key == "chip") {
      auto chip = ChipFromJson(value);
      if (!chip) return chip.error();
      request.chip = std::move(*chip);
    } else if (key == "passport_number" || key == "visa_category") {
      if (!value.is_string()) return Invalid("\"" + key + "\" must be a string");
      (key == "visa_category" ? request.visa_category : request.passport_number) =
          value.get<std::string>();
    } else {
      return Invalid("unknown member \"" + key + "\"");
    }
  }
  if (!request.image.empty() && (!request.mrz_text.empty() || !request.mrz_lines.empty())) {
    return Invalid("give \"mrz\" or \"image\", not both");
  }
  if (!have_mrz && request.chip) return request;  // DG1 is the MRZ
  if (!have_mrz) return Invalid("the request has no \"mrz\" (or \"image\", or \"chip\" with DG1)");
  if (!request.image.empty()) return request;
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

std::string AuditToJson(const std::vector<lists::TrailEntry>& entries, bool more, int indent) {
  nlohmann::json list = nlohmann::json::array();
  auto text_or_null = [](const std::string& s) {
    return s.empty() ? nlohmann::json(nullptr) : nlohmann::json(s);
  };
  for (const lists::TrailEntry& e : entries) {
    nlohmann::json reasons = nlohmann::json::array();
    for (std::size_t start = 0; start < e.reasons.size();) {
      std::size_t comma = e.reasons.find(',', start);
      if (comma == std::string::npos) comma = e.reasons.size();
      reasons.push_back(e.reasons.substr(start, comma - start));
      start = comma + 1;
    }
    list.push_back({{"seq", e.seq},
                    {"time", e.time},
                    {"key_id", e.key_id},
                    {"action", e.action},
                    {"document", text_or_null(e.document)},
                    {"document_number", text_or_null(e.document_number)},
                    {"verdict", text_or_null(e.verdict)},
                    {"reasons", reasons},
                    {"detail", e.detail},
                    {"mac", e.mac}});
  }
  nlohmann::json out = {{"entries", list}};
  out["next_after"] =
      more && !entries.empty() ? nlohmann::json(entries.back().seq) : nlohmann::json(nullptr);
  return out.dump(indent);
}

}  // namespace tdv::http
