// SPDX-License-Identifier: Apache-2.0
#include "report_text.h"

#include <cmath>
#include <cstdio>
#include <sstream>

namespace tdv::app {
namespace {

void Row(std::ostringstream& out, const char* name, const std::string& value) {
  out << "  " << name;
  for (std::size_t i = std::string_view(name).size(); i < 22; ++i) out << ' ';
  out << (std::string_view(name).size() >= 22 ? " " : "") << value << "\n";
}

std::string DateText(const mrz::DateField& d) {
  const std::string iso = d.Iso();
  switch (d.state) {
    case mrz::DateField::State::kComplete:
      return iso + " (" + d.raw + ")";
    case mrz::DateField::State::kNoExpiry:
      return "does not expire (" + d.raw + ")";
    case mrz::DateField::State::kUnknown:
      return "unknown (" + d.raw + ")";
    case mrz::DateField::State::kPartial:
      return "partly unknown (" + d.raw + ")";
    case mrz::DateField::State::kInvalid:
      return "invalid (" + d.raw + ")";
  }
  return d.raw;
}

void Issues(std::ostringstream& out, const char* title, const std::vector<mrz::Issue>& issues) {
  if (issues.empty()) return;
  out << title << ":\n";
  for (const auto& i : issues) {
    out << "  ";
    if (i.span.line > 0)
      out << "line " << i.span.line << " col " << i.span.start << "-" << i.span.end << "  ";
    out << i.code << ": " << i.message << "\n";
  }
}

// Where the MRZ was found, what OCR read with its confidence per line, and
// every character the reader changed, with why.
void ImageSection(std::ostringstream& out, const vision::MrzImageReading& im) {
  out << "read from the image (" << im.image_width << "x" << im.image_height << " px):\n";
  std::string polygon;
  for (const auto& p : im.polygon) {
    if (!polygon.empty()) polygon += " ";
    polygon +=
        "(" + std::to_string(std::lround(p.x)) + "," + std::to_string(std::lround(p.y)) + ")";
  }
  Row(out, "MRZ at", polygon + ", turned " + std::to_string(im.rotation_degrees) + " degrees");
  for (std::size_t i = 0; i < im.raw_lines.size(); ++i) {
    char conf[32] = "";
    if (i < im.line_confidence.size())
      std::snprintf(conf, sizeof conf, "  confidence %.2f", double(im.line_confidence[i]));
    Row(out, ("OCR line " + std::to_string(i + 1)).c_str(), im.raw_lines[i] + conf);
  }
  for (const auto& c : im.repair.repairs) {
    Row(out, "changed",
        "line " + std::to_string(c.line) + " col " + std::to_string(c.position) + ": " +
            std::string(1, c.from) + " -> " + std::string(1, c.to) + " (" + c.field + ", " +
            c.reason + ")");
  }
  if (im.repair.ambiguous)
    Row(out, "ambiguous", "several readings satisfy the check digits equally; none was chosen");
  for (const auto& u : im.repair.uncertain) {
    std::string text = "line " + std::to_string(u.line) + " col " + std::to_string(u.position);
    const auto l = static_cast<std::size_t>(u.line - 1),
               p = static_cast<std::size_t>(u.position - 1);
    if (l < im.lines.size() && p < im.lines[l].size())
      text += ": read " + std::string(1, im.lines[l][p]);
    if (l < im.char_confidence.size() && p < im.char_confidence[l].size()) {
      char conf[32];
      std::snprintf(conf, sizeof conf, " (confidence %.2f)", double(im.char_confidence[l][p]));
      text += conf;
    }
    Row(out, "uncertain", text + ", " + u.field + ", " + u.reason);
  }
  char times[96];
  std::snprintf(times, sizeof times, "decode %.0f ms, locate %.0f ms, OCR %.0f ms", im.decode_ms,
                im.locate_ms, im.ocr_ms);
  Row(out, "time", times);
}

}  // namespace

std::string ReportToText(const verify::VerificationReport& report) {
  std::ostringstream out;
  const mrz::Mrz& m = report.mrz;
  out << "verdict: " << verify::VerdictName(report.verdict) << "\n";
  for (const auto& r : report.reasons) out << "  - " << r.message << "\n";
  for (const auto& r : report.notes) out << "  note: " << r.message << "\n";
  out << "checks:\n";
  for (const auto& c : report.checks) {
    out << "  " << c.name << ": " << verify::CheckStatusName(c.status)
        << (c.required ? "" : " (not required)") << " - " << c.detail << "\n";
  }
  if (report.mrz_source == "none") {
    out << "MRZ: none given (nothing to read one from)\n";
  } else {
    out << "MRZ " << mrz::FormatName(m.format) << ": " << (m.valid() ? "valid" : "INVALID")
        << (report.mrz_source == "seal" ? " (from the seal)" : "") << "\n";
  }
  if (report.mrz_source != "none" && m.format != mrz::MrzFormat::kUnknown) {
    Row(out, "document code", m.document_code.value);
    Row(out, "issuing state", m.issuing_state.value);
    Row(out, "document number", m.document_number.value);
    Row(out, "primary identifier",
        m.name.primary_identifier + (m.name.truncated ? " (may be truncated)" : ""));
    Row(out, "secondary identifier", m.name.secondary_identifier);
    if (m.nationality.present) Row(out, "nationality", m.nationality.value);
    Row(out, "birth date", DateText(m.birth_date));
    Row(out, "sex", m.sex.value.empty() ? "unspecified" : m.sex.value);
    if (m.expiry_date.present) Row(out, "expiry date", DateText(m.expiry_date));
    if (m.optional_data.present) Row(out, "optional data", m.optional_data.value);
    if (m.optional_data_2.present) Row(out, "optional data 2", m.optional_data_2.value);
  }
  Issues(out, "errors", m.errors);
  Issues(out, "warnings", m.warnings);
  if (report.image) ImageSection(out, *report.image);
  if (report.seal) {
    const auto& v = report.seal->verification;
    out << "seal (" << report.seal->source << "): " << sig::SealStatusName(v.status) << "\n";
    Row(out, "signature alone", v.signature);
    if (v.seal) {
      Row(out, "profile", v.seal->profile);
      Row(out, "signer", v.seal->header.signer_id + " " + v.seal->header.cert_reference);
      for (const auto& f : v.seal->features) {
        if (f.name == "mrz") continue;
        // Binary features (a face image) are long hex: the JSON report has them whole.
        Row(out, f.name.c_str(),
            f.value.size() > 64
                ? f.value.substr(0, 60) + "... (" + std::to_string(f.raw.size()) + " bytes)"
                : f.value);
      }
    }
    if (v.signer)
      Row(out, "signer certificate",
          v.signer->subject + " (chain " + sig::ChainStatusName(v.signer->chain) + ")");
    if (!v.detail.empty()) Row(out, "detail", v.detail);
  }
  if (report.chip) {
    const auto& v = report.chip->verification;
    out << "chip" << (v.kind == "ef_card_security" ? " (EF.CardSecurity)" : "") << ": "
        << sig::ChipStatusName(v.status) << "\n";
    Row(out, "signature alone", v.signature);
    if (v.signer)
      Row(out, "document signer",
          v.signer->subject + " (chain " + sig::ChainStatusName(v.signer->chain) + ")");
    if (!v.signature_algorithm.empty()) {
      Row(out, "signature",
          v.signature_algorithm + (v.hash_algorithm.empty() ? "" : ", " + v.hash_algorithm));
    }
    for (const auto& g : v.data_groups)
      Row(out, ("DG" + std::to_string(g.number)).c_str(), g.status);
    if (!v.detail.empty()) Row(out, "detail", v.detail);
  }
  return out.str();
}

}  // namespace tdv::app
