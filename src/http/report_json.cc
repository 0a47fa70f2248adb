// SPDX-License-Identifier: Apache-2.0
#include "tdv/http/report_json.h"

#include <charconv>
#include <nlohmann/json.hpp>
#include <system_error>

#include "json_writer.h"
#include "tdv/sig/base64.h"

namespace tdv::http {

using nlohmann::json;

namespace {

using internal::JsonWriter;

void Span(JsonWriter& w, const mrz::Span& s) {
  w.Member("line", s.line).Member("start", s.start).Member("end", s.end);
}

std::string Char(char c) { return std::string(1, c); }

void Issue(JsonWriter& w, const mrz::Issue& issue) {
  w.BeginObject()
      .Member("field", issue.field)
      .Member("code", issue.code)
      .Member("message", issue.message);
  Span(w, issue.span);
  if (issue.expected != 0) w.Member("expected", Char(issue.expected));
  w.EndObject();
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

// The fields of an MRZ in the report's order; `name` stands between the
// document number and the nationality.
struct FieldRef {
  const char* name;
  const mrz::TextField* text;
  const mrz::DateField* date;
};

std::vector<FieldRef> Fields(const mrz::Mrz& m) {
  return {{"document_code", &m.document_code, nullptr},
          {"issuing_state", &m.issuing_state, nullptr},
          {"document_number", &m.document_number, nullptr},
          {"name", nullptr, nullptr},
          {"nationality", &m.nationality, nullptr},
          {"birth_date", nullptr, &m.birth_date},
          {"sex", &m.sex, nullptr},
          {"expiry_date", nullptr, &m.expiry_date},
          {"optional_data", &m.optional_data, nullptr},
          {"optional_data_2", &m.optional_data_2, nullptr}};
}

void Mrz(JsonWriter& w, const mrz::Mrz& m) {
  w.BeginObject().Key("format");
  if (m.format == mrz::MrzFormat::kUnknown) {
    w.Null();
  } else {
    w.Value(mrz::FormatName(m.format));
  }
  w.Member("lines", m.lines).Member("valid", m.valid());
  const bool known = m.format != mrz::MrzFormat::kUnknown;
  w.Key("fields").BeginObject();
  if (known) {
    for (const FieldRef& f : Fields(m)) {
      if (f.text != nullptr && f.text->present) {
        w.Member(f.name, f.text->value);
      } else if (f.date != nullptr && f.date->present) {
        const std::string iso = f.date->Iso();
        w.Key(f.name);
        if (iso.empty()) {
          w.Null();
        } else {
          w.Value(iso);
        }
        w.Member(std::string(f.name) + "_raw", f.date->raw);
      } else if (f.text == nullptr && f.date == nullptr) {
        w.Member("primary_identifier", m.name.primary_identifier)
            .Member("secondary_identifier", m.name.secondary_identifier);
      }
    }
  }
  w.EndObject().Key("field_details").BeginObject();
  if (known) {
    for (const FieldRef& f : Fields(m)) {
      if (f.text != nullptr && f.text->present) {
        w.Key(f.name).BeginObject().Member("raw", f.text->raw).Member("value", f.text->value);
        Span(w, f.text->span);
        w.EndObject();
      } else if (f.date != nullptr && f.date->present) {
        const mrz::DateField& d = *f.date;
        w.Key(f.name)
            .BeginObject()
            .Member("raw", d.raw)
            .Member("state", DateState(d.state))
            .Member("year", d.year)
            .Member("month", d.month)
            .Member("day", d.day);
        Span(w, d.span);
        w.EndObject();
      } else if (f.text == nullptr && f.date == nullptr) {
        w.Key("name").BeginObject().Member("raw", m.name.raw).Member("truncated", m.name.truncated);
        Span(w, m.name.span);
        w.EndObject();
      }
    }
    w.Member("document_number_overflow", m.document_number_overflow);
  }
  w.EndObject().Key("check_digits").BeginArray();
  for (const auto& c : m.checks) {
    w.BeginObject().Member("field", c.field).Member("actual", Char(c.actual)).Member("ok", c.ok);
    w.Key("expected");
    if (c.expected) {
      w.Value(Char(c.expected));
    } else {
      w.Null();
    }
    if (!c.variant.empty()) w.Member("variant", c.variant);
    Span(w, c.span);
    w.EndObject();
  }
  w.EndArray().Key("errors").BeginArray();
  for (const auto& e : m.errors) Issue(w, e);
  w.EndArray().Key("warnings").BeginArray();
  for (const auto& x : m.warnings) Issue(w, x);
  w.EndArray().EndObject();
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

std::optional<std::string> OptionalDate(const std::optional<mrz::CivilDate>& d) {
  if (!d) return std::nullopt;
  return d->ToIso();
}

void Lists(JsonWriter& w, const lists::ListsCheck& c) {
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
  w.BeginObject()
      .Member("status", status)
      .Member("detail", c.detail)
      .Member("index_age_seconds", c.index_age_seconds)
      .Key("consulted")
      .BeginArray();
  for (const auto& l : c.consulted) {
    w.BeginObject()
        .Member("name", l.info.name)
        .Member("source", l.info.source)
        .Member("version", l.info.version)
        .Member("updated_at", l.info.updated_at)
        .Member("age_seconds", l.age_seconds)
        .Member("records", l.indexed)
        .EndObject();
  }
  w.EndArray().Key("hits").BeginArray();
  for (const auto& h : c.hits) {
    const lists::ListRecord& r = h.record;
    w.BeginObject()
        .Member("match", h.kind == lists::ListHit::Kind::kExact ? "exact" : "possible")
        .Member("list", h.list)
        .Member("differing_positions", h.differing_positions)
        .Key("record")
        .BeginObject()
        .Member("issuing_state", r.issuing_state)
        .Member("document_type", r.document_type)
        .Member("document_number", r.document_number)
        .Member("status", lists::RecordStatusName(r.status))
        .Member("reporting_agency", r.reporting_agency)
        .Member("date_reported", OptionalDate(r.date_reported))
        .Member("expiry_date", OptionalDate(r.expiry_date))
        .Member("review_date", OptionalDate(r.review_date))
        .Member("national_reference", r.national_reference)
        .Member("reason", r.reason)
        .EndObject()
        .EndObject();
  }
  w.EndArray().EndObject();
}

void Polygon(JsonWriter& w, const std::array<vision::Point, 4>& polygon) {
  w.BeginArray();
  for (const auto& p : polygon) w.BeginArray().Value(p.x).Value(p.y).EndArray();
  w.EndArray();
}

void Image(JsonWriter& w, const vision::MrzImageReading& r) {
  w.BeginObject().Member("width", r.image_width).Member("height", r.image_height).Key("polygon");
  Polygon(w, r.polygon);
  w.Member("rotation_degrees", r.rotation_degrees)
      .Member("line_confidence", r.line_confidence)
      .Member("char_confidence", r.char_confidence)
      .Member("ocr_lines", r.raw_lines)
      .Key("repairs")
      .BeginArray();
  for (const auto& c : r.repair.repairs) {
    w.BeginObject()
        .Member("line", c.line)
        .Member("position", c.position)
        .Member("from", Char(c.from))
        .Member("to", Char(c.to))
        .Member("field", c.field)
        .Member("reason", c.reason)
        .EndObject();
  }
  w.EndArray()
      .Member("check_digits_satisfied", r.repair.checks_satisfied)
      .Member("ambiguous", r.repair.ambiguous)
      .Key("uncertain")
      .BeginArray();
  for (const auto& u : r.repair.uncertain) {
    w.BeginObject()
        .Member("line", u.line)
        .Member("position", u.position)
        .Member("field", u.field)
        .Member("reason", u.reason)
        .EndObject();
  }
  w.EndArray()
      .Key("timings_ms")
      .BeginObject()
      .Member("decode", r.decode_ms)
      .Member("locate", r.locate_ms)
      .Member("ocr", r.ocr_ms)
      .EndObject()
      .EndObject();
}

void Signer(JsonWriter& w, const std::optional<sig::SignerInfo>& signer) {
  if (!signer) {
    w.Null();
    return;
  }
  const sig::SignerInfo& s = *signer;
  w.BeginObject()
      .Member("subject", s.subject)
      .Member("issuer", s.issuer)
      .Member("serial", s.serial)
      .Member("country", s.country)
      .Member("not_before", s.not_before)
      .Member("not_after", s.not_after)
      .Member("csca", s.csca)
      .Member("chain", sig::ChainStatusName(s.chain))
      .Member("chain_detail", s.chain_detail)
      .Member("crl", s.crl)
      .EndObject();
}

void Seal(JsonWriter& w, const verify::SealReport& r) {
  const sig::SealVerification& v = r.verification;
  w.BeginObject()
      .Member("status", sig::SealStatusName(v.status))
      .Member("detail", v.detail)
      .Member("source", r.source);
  if (v.status == sig::SealStatus::kMalformed) w.Member("offset", v.offset);
  if (r.polygon) {
    w.Key("polygon");
    Polygon(w, *r.polygon);
  }
  w.Member("signature", v.signature).Key("signer");
  Signer(w, v.signer);
  if (v.seal) {
    const sig::VdsHeader& h = v.seal->header;
    w.Key("header")
        .BeginObject()
        .Member("version", h.version)
        .Member("issuing_state", h.issuing_state)
        .Member("signer_id", h.signer_id)
        .Member("cert_reference", h.cert_reference)
        .Member("issue_date", h.issue_date)
        .Member("signature_date", h.signature_date)
        .Member("document_ref", h.feature_ref * 256 + h.type_category)
        .EndObject()
        .Member("profile", v.seal->profile)
        .Key("features")
        .BeginArray();
    for (const auto& f : v.seal->features) {
      w.BeginObject()
          .Member("tag", f.tag)
          .Member("name", f.name)
          .Member("value", f.value)
          .EndObject();
    }
    w.EndArray().Member("mrz", v.seal->mrz);
  }
  w.Member("mrz_match", r.mrz_match).Member("passport_match", r.passport_match).EndObject();
}

void Chip(JsonWriter& w, const verify::ChipReport& r) {
  const sig::ChipVerification& v = r.verification;
  w.BeginObject()
      .Member("status", sig::ChipStatusName(v.status))
      .Member("kind", v.kind)
      .Member("detail", v.detail)
      .Member("signature", v.signature)
      .Key("signer");
  Signer(w, v.signer);
  w.Member("hash_algorithm", v.hash_algorithm)
      .Member("signature_algorithm", v.signature_algorithm)
      .Key("data_groups")
      .BeginArray();
  for (const auto& g : v.data_groups)
    w.BeginObject().Member("number", g.number).Member("status", g.status).EndObject();
  w.EndArray().Member("mrz_match", r.mrz_match).EndObject();
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
  return chip;
}

}  // namespace

std::string ReportToJson(const verify::VerificationReport& report, int indent) {
  JsonWriter w;
  w.BeginObject()
      .Member("verdict", verify::VerdictName(report.verdict))
      .Key("reasons")
      .BeginArray();
  for (const auto& r : report.reasons)
    w.BeginObject().Member("code", r.code).Member("message", r.message).EndObject();
  w.EndArray().Key("notes").BeginArray();
  for (const auto& r : report.notes)
    w.BeginObject().Member("code", r.code).Member("message", r.message).EndObject();
  w.EndArray().Key("checks").BeginArray();
  for (const auto& c : report.checks) {
    w.BeginObject()
        .Member("name", c.name)
        .Member("status", verify::CheckStatusName(c.status))
        .Member("detail", c.detail)
        .Member("required", c.required)
        .EndObject();
  }
  w.EndArray()
      .Member("as_of", report.as_of.ToIso())
      .Key("policy")
      .BeginObject()
      .Member("allow_specimens", report.allow_specimens)
      .Member("strict", report.strict)
      .EndObject();
  if (report.expiry) w.Member("expiry", ExpiryName(*report.expiry));
  w.Key("mrz");
  if (report.mrz_source == "none") {
    w.Null();  // nothing to read an MRZ from: EF.SOD without DG1, a seal without one
  } else {
    Mrz(w, report.mrz);
  }
  if (report.lists) {
    w.Key("lists");
    Lists(w, *report.lists);
  }
  if (!report.partners.empty()) {
    w.Key("partners").BeginArray();
    for (const verify::PartnerCheck& p : report.partners) {
      w.BeginObject()
          .Member("partner", p.partner)
          .Member("status", verify::PartnerStatusName(p.status))
          .Member("detail", p.detail)
          .Key("hits")
          .BeginArray();
      for (const auto& h : p.hits) {
        w.BeginObject()
            .Member("match", h.look_alike ? "possible" : "exact")
            .Member("list", h.list)
            .Member("reference", h.reference);
        if (!h.details.empty()) {
          // What the partner shares of the records (its feed_details).
          w.Key("shared").BeginArray();
          for (const auto& d : h.details) {
            w.BeginObject()
                .Member("document_type", d.document_type)
                .Member("status", lists::RecordStatusName(d.status));
            if (d.date_reported) w.Member("date_reported", d.date_reported->ToIso());
            if (d.expiry_date) w.Member("expiry_date", d.expiry_date->ToIso());
            w.EndObject();
          }
          w.EndArray();
        }
        w.EndObject();
      }
      w.EndArray().EndObject();
    }
    w.EndArray();
  }
  if (report.image) {
    w.Key("image");
    Image(w, *report.image);
  }
  w.Member("mrz_source", report.mrz_source);
  if (report.seal) {
    w.Key("seal");
    Seal(w, *report.seal);
  }
  if (report.chip) {
    w.Key("chip");
    Chip(w, *report.chip);
  }
  w.EndObject();
  std::string compact = w.Take();
  if (indent < 0) return compact;
  // Indented (the CLI's --json): the same members in the same order.
  return nlohmann::ordered_json::parse(compact).dump(indent);
}

Result<verify::VerifyRequest> ParseVerifyRequestJson(std::string_view body, std::string* id) {
  if (id != nullptr) id->clear();
  json j = json::parse(body, nullptr, /*allow_exceptions=*/false);
  if (j.is_discarded()) return Invalid("malformed JSON: the body is not a JSON document");
  if (!j.is_object()) return Invalid("the body must be a JSON object");
  if (id != nullptr) {
    auto it = j.find("id");
    if (it != j.end()) {
      if (!it->is_string() && !it->is_number_integer())
        return Invalid("\"id\" must be a string or an integer");
      *id = it->dump(-1, ' ', false, json::error_handler_t::replace);
    }
  }
  verify::VerifyRequest request;
  bool have_mrz = false;
  for (const auto& [key, value] : j.items()) {
    if (key == "id" && id != nullptr) {
      continue;
    } else if (key == "mrz") {
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
      if (request.chip) return Invalid("give \"chip\" or \"card_security\", not both");
      auto chip = ChipFromJson(value);
      if (!chip) return chip.error();
      request.chip = std::move(*chip);
    } else if (key == "card_security") {
      if (request.chip) return Invalid("give \"chip\" or \"card_security\", not both");
      auto b = Bytes(value, key);
      if (!b) return b.error();
      request.chip = sig::ChipData{std::move(*b), {}, true};
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
  if (!have_mrz && request.chip) return request;           // DG1 is the MRZ
  if (!have_mrz && !request.seal.empty()) return request;  // a seal on its own
  if (!have_mrz)
    return Invalid(
        "the request has no \"mrz\" (or \"image\", \"chip\" with DG1, or \"seal\" alone)");
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

ProblemKind ProblemFor(ErrorCode code, bool image) {
  switch (code) {
    case ErrorCode::kInvalidInput:
      return image ? ProblemKind{422, "invalid-image", "Invalid image"}
                   : ProblemKind{422, "invalid-request", "Invalid request"};
    case ErrorCode::kNotFound:
      return {422, "no-mrz-found", "No MRZ found"};
    case ErrorCode::kUnsupported:
      return {415, "unsupported", "Unsupported"};
    case ErrorCode::kUnavailable:
      return {503, "unavailable", "Service unavailable"};
    default:
      return {500, "internal", "Internal server error"};
  }
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
