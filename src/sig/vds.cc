// SPDX-License-Identifier: Apache-2.0
#include "tdv/sig/vds.h"

#include <array>
#include <cstdio>

#include "der.h"

namespace tdv::sig {
namespace {

constexpr std::uint8_t kMagic = 0xDC;
constexpr std::uint8_t kSignatureTag = 0xFF;

char C40Char(unsigned v) {
  if (v == 3) return ' ';
  if (v >= 4 && v <= 13) return static_cast<char>('0' + (v - 4));
  if (v >= 14 && v <= 39) return static_cast<char>('A' + (v - 14));
  return 0;
}

int C40Value(char c) {
  if (c == ' ' || c == '<') return 3;
  if (c >= '0' && c <= '9') return 4 + (c - '0');
  if (c >= 'A' && c <= 'Z') return 14 + (c - 'A');
  return -1;
}

Error Malformed(std::size_t offset, const std::string& what, std::size_t* out) {
  if (out) *out = offset;
  return Error{ErrorCode::kInvalidInput, "offset " + std::to_string(offset) + ": " + what};
}

std::string Fillers(std::string s) {
  for (char& c : s) {
    if (c == ' ') c = '<';
  }
  return s;
}

std::string Trim(std::string s) {
  while (!s.empty() && s.back() == ' ') s.pop_back();
  while (!s.empty() && s.front() == ' ') s.erase(s.begin());
  return s;
}

// How a feature's value is coded.
enum class Coding { kC40, kMrz, kUtf8, kInteger, kDuration, kBinary };

struct FeatureDef {
  int tag;
  const char* name;
  Coding coding;
  int first_line = 0;  // kMrz: characters in line 1 (0: by total length)
};

struct ProfileDef {
  std::uint16_t ref;
  const char* name;
  std::array<FeatureDef, 7> features;  // tag 0 ends the list (except TR-03171)
};

// TR-03137 sections 5-10 and the ICAO profiles (reference notes, A.5).
constexpr ProfileDef kProfiles[] = {
    {0x5d01,
     "visa",
     {{{1, "mrz", Coding::kMrz, 44},
       {2, "mrz", Coding::kMrz, 36},
       {3, "number_of_entries", Coding::kInteger},
       {4, "duration_of_stay", Coding::kDuration},
       {5, "passport_number", Coding::kC40},
       {6, "visa_type", Coding::kBinary},
       {7, "additional_features", Coding::kBinary}}}},
    {0xfd02,
     "arrival_attestation",
     {{{2, "mrz", Coding::kMrz, 36}, {3, "azr_number", Coding::kC40}}}},
    {0xfb06,
     "residence_permit",
     {{{2, "mrz", Coding::kMrz, 36}, {3, "passport_number", Coding::kC40}}}},
    {0xfa06,
     "residence_permit_supplementary_sheet",
     {{{4, "mrz", Coding::kMrz, 36}, {5, "sheet_number", Coding::kC40}}}},
    {0xfc04,
     "social_insurance_card",
     {{{1, "social_insurance_number", Coding::kC40},
       {2, "surname", Coding::kUtf8},
       {3, "first_name", Coding::kUtf8},
       {4, "birth_name", Coding::kUtf8}}}},
    {0x5e03, "emergency_travel_document", {{{2, "mrz", Coding::kMrz}}}},
    {0xf908,
     "address_sticker_id_card",
     {{{1, "document_number", Coding::kC40},
       {2, "municipality_code", Coding::kC40},
       {3, "address", Coding::kC40}}}},
    {0xf80a,
     "residence_sticker_passport",
     {{{1, "document_number", Coding::kC40},
       {2, "municipality_code", Coding::kC40},
       {3, "postal_code", Coding::kC40}}}},
    {0xf60d,
     "temporary_passport",
     {{{1, "face_image", Coding::kBinary}, {2, "mrz", Coding::kMrz}}}},
    {0xf70b, "temporary_id_card", {{{1, "face_image", Coding::kBinary}, {2, "mrz", Coding::kMrz}}}},
    {0xf50c,
     "fiction_certificate",
     {{{1, "face_image", Coding::kBinary},
       {2, "mrz", Coding::kMrz},
       {3, "passport_number", Coding::kC40},
       {4, "azr_number", Coding::kC40}}}},
    {0xf48f, "permanent_residence_certificate", {}},
    {0x01c8, "administrative_document", {{{0, "profile_uuid", Coding::kBinary}}}},
    {0x01c9, "administrative_document", {{{0, "profile_uuid", Coding::kBinary}}}},
};

const ProfileDef* FindProfile(std::uint16_t ref) {
  for (const auto& p : kProfiles) {
    if (p.ref == ref) return &p;
  }
  return nullptr;
}

const FeatureDef* FindFeature(const ProfileDef* profile, int tag) {
  if (!profile) return nullptr;
  for (const auto& f : profile->features) {
    if (f.name != nullptr && f.tag == tag) return &f;
  }
  return nullptr;
}

// Splits a seal MRZ into lines: the profile's first-line length, else by the
// total (90: TD1, 88: TD3, 72: TD2).
std::string MrzLines(const std::string& text, int first_line) {
  std::size_t n = text.size();
  if (first_line == 0) {
    if (n == 90) return text.substr(0, 30) + "\n" + text.substr(30, 30) + "\n" + text.substr(60);
    first_line = static_cast<int>(n / 2);
  }
  auto first = static_cast<std::size_t>(first_line);
  if (n <= first) return text;
  return text.substr(0, first) + "\n" + text.substr(first);
}

bool Printable(std::span<const std::uint8_t> bytes) {
  for (auto b : bytes) {
    if (b < 0x20 || b == 0x7f) return false;
  }
  return true;
}

// Decodes one feature; false when a declared coding does not hold.
bool DecodeFeature(const FeatureDef* def, VdsFeature& f) {
  std::span<const std::uint8_t> v = f.raw;
  if (!def) {
    f.name = "tag_" + std::to_string(f.tag);
    f.value = Printable(v) ? std::string(v.begin(), v.end()) : Hex(v);
    return true;
  }
  f.name = def->name;
  switch (def->coding) {
    case Coding::kC40:
    case Coding::kMrz: {
      auto text = DecodeC40(v);
      if (!text) return false;
      f.value =
          def->coding == Coding::kMrz ? MrzLines(Fillers(*text), def->first_line) : Fillers(*text);
      return true;
    }
    case Coding::kUtf8:
      f.value.assign(v.begin(), v.end());
      return true;
    case Coding::kInteger: {
      unsigned long long n = 0;
      for (auto b : v) n = (n << 8) | b;
      if (v.size() > 8) return false;
      f.value = std::to_string(n);
      return true;
    }
    case Coding::kDuration:
      if (v.size() != 3) return false;
      f.value = std::to_string(v[0]) + " days, " + std::to_string(v[1]) + " months, " +
                std::to_string(v[2]) + " years";
      return true;
    case Coding::kBinary:
      f.value = Hex(v);
      return true;
  }
  return false;
}

// A big-endian MMDDYYYY date in 3 bytes, as ISO 8601.
bool DecodeDate(const std::uint8_t* p, std::string& out) {
  unsigned v = (unsigned{p[0]} << 16) | (unsigned{p[1]} << 8) | p[2];
  unsigned month = v / 1000000, day = v / 10000 % 100, year = v % 10000;
  if (month < 1 || month > 12 || day < 1 || day > 31) return false;
  char buf[16];
  std::snprintf(buf, sizeof buf, "%04u-%02u-%02u", year, month, day);
  out = buf;
  return true;
}

// DER length at bytes[*pos]; advances *pos. False when truncated or longer
// than two length bytes.
bool ReadDerLength(std::span<const std::uint8_t> bytes, std::size_t* pos, std::size_t* len) {
  if (*pos >= bytes.size()) return false;
  std::uint8_t first = bytes[(*pos)++];
  if (first < 0x80) {
    *len = first;
    return true;
  }
  std::size_t count = first & 0x7f;
  if (count == 0 || count > 2 || *pos + count > bytes.size()) return false;
  std::size_t v = 0;
  for (std::size_t i = 0; i < count; ++i) v = (v << 8) | bytes[(*pos)++];
  *len = v;
  return true;
}

}  // namespace

Result<std::string> DecodeC40(std::span<const std::uint8_t> bytes) {
  if (bytes.size() % 2 != 0) {
    return Error{ErrorCode::kInvalidInput, "C40 data has an odd number of bytes"};
  }
  std::string out;
  out.reserve(bytes.size() * 3 / 2);
  for (std::size_t i = 0; i < bytes.size(); i += 2) {
    if (bytes[i] == 0xFE) {  // one character left, DataMatrix ASCII (value + 1)
      char c = static_cast<char>(bytes[i + 1] - 1);
      if (C40Value(c) < 0 || i + 2 != bytes.size()) {
        return Error{ErrorCode::kInvalidInput, "bad C40 unlatch pair"};
      }
      out += c;
      continue;
    }
    unsigned v = (unsigned{bytes[i]} << 8 | bytes[i + 1]);
    if (v == 0 || v > 64000) return Error{ErrorCode::kInvalidInput, "C40 value out of range"};
    v -= 1;
    unsigned u[3] = {v / 1600, v / 40 % 40, v % 40};
    for (int k = 0; k < 3; ++k) {
      if (u[k] == 0 && (k == 2 || (k == 1 && u[2] == 0))) break;  // Shift 1 as padding
      char c = C40Char(u[k]);
      if (c == 0) return Error{ErrorCode::kInvalidInput, "C40 value outside A-Z, 0-9, space"};
      out += c;
    }
  }
  return out;
}

Result<std::vector<std::uint8_t>> EncodeC40(std::string_view text) {
  std::vector<int> u;
  for (char c : text) {
    int v = C40Value(c);
    if (v < 0) return Error{ErrorCode::kInvalidInput, "C40 can only encode A-Z, 0-9, space and <"};
    u.push_back(v);
  }
  std::vector<std::uint8_t> out;
  auto put = [&out](int u1, int u2, int u3) {
    unsigned v = 1600u * static_cast<unsigned>(u1) + 40u * static_cast<unsigned>(u2) +
                 static_cast<unsigned>(u3) + 1;
    out.push_back(static_cast<std::uint8_t>(v >> 8));
    out.push_back(static_cast<std::uint8_t>(v & 0xff));
  };
  std::size_t i = 0;
  for (; i + 3 <= u.size(); i += 3) put(u[i], u[i + 1], u[i + 2]);
  if (u.size() - i == 2) put(u[i], u[i + 1], 0);  // Shift 1 pads the triple
  if (u.size() - i == 1) {                        // unlatch: 0xFE, DataMatrix ASCII
    char c = text[i] == '<' ? ' ' : text[i];
    out.push_back(0xFE);
    out.push_back(static_cast<std::uint8_t>(c + 1));
  }
  return out;
}

std::string_view VdsProfileName(std::uint8_t feature_ref, std::uint8_t type_category) noexcept {
  const ProfileDef* p = FindProfile(static_cast<std::uint16_t>(feature_ref << 8 | type_category));
  return p ? p->name : "unknown";
}

namespace {

// radix_override 0: the signer's radix for the certificate reference length.
Result<VdsSeal> Parse(std::span<const std::uint8_t> bytes, std::size_t* error_offset,
                      int radix_override) {
  VdsSeal seal;
  VdsHeader& h = seal.header;
  auto need = [&](std::size_t pos, std::size_t n) { return pos + n <= bytes.size(); };
  if (bytes.empty() || bytes[0] != kMagic) {
    return Malformed(0, "not a visible digital seal (no 0xDC magic byte)", error_offset);
  }
  if (!need(0, 2)) return Malformed(1, "truncated header", error_offset);
  if (bytes[1] == 0x02) {
    h.version = 3;
  } else if (bytes[1] == 0x03) {
    h.version = 4;
  } else {
    if (error_offset) *error_offset = 1;
    return Error{ErrorCode::kUnsupported,
                 "offset 1: unknown seal version byte " + std::to_string(bytes[1])};
  }
  std::size_t pos = 2;
  // The C40 text of the next `n` bytes; false when truncated or not C40.
  auto c40 = [&](std::size_t n, std::string& out) -> bool {
    if (!need(pos, n)) return false;
    auto text = DecodeC40(bytes.subspan(pos, n));
    if (!text) return false;
    out = *text;
    pos += n;
    return true;
  };
  std::string state;
  if (!c40(2, state)) return Malformed(pos, "bad issuing state", error_offset);
  h.issuing_state = Trim(state);
  std::string signer;
  if (h.version == 3) {
    if (!c40(6, signer))
      return Malformed(pos, "bad signer and certificate reference", error_offset);
    if (signer.size() != 9)
      return Malformed(4, "signer reference is not 9 characters", error_offset);
    h.signer_id = signer.substr(0, 4);
    h.cert_reference = signer.substr(4);
  } else {
    if (!c40(4, signer)) return Malformed(pos, "bad signer identifier", error_offset);
    if (signer.size() != 6)
      return Malformed(4, "signer identifier is not 6 characters", error_offset);
    h.signer_id = signer.substr(0, 4);
    // The certificate reference length: hexadecimal, except the German
    // central administration (DEZV, TR-03171) whose seals write it in decimal.
    int radix = radix_override != 0 ? radix_override : h.signer_id == "DEZV" ? 10 : 16;
    h.cert_reference_radix = radix;
    char* end = nullptr;
    std::string len_text = signer.substr(4);
    long len = std::strtol(len_text.c_str(), &end, radix);
    if (end != len_text.c_str() + 2 || len < 0) {
      return Malformed(6, "certificate reference length '" + len_text + "' is not a number",
                       error_offset);
    }
    std::size_t ref_bytes = 2 * ((static_cast<std::size_t>(len) + 2) / 3);
    std::string ref;
    std::size_t ref_pos = pos;
    if (!c40(ref_bytes, ref) || ref.size() < static_cast<std::size_t>(len)) {
      return Malformed(ref_pos, "bad certificate reference", error_offset);
    }
    h.cert_reference = ref.substr(0, static_cast<std::size_t>(len));
  }
  if (!need(pos, 8)) return Malformed(pos, "truncated header", error_offset);
  if (!DecodeDate(&bytes[pos], h.issue_date))
    return Malformed(pos, "bad document issue date", error_offset);
  if (!DecodeDate(&bytes[pos + 3], h.signature_date)) {
    return Malformed(pos + 3, "bad signature creation date", error_offset);
  }
  h.feature_ref = bytes[pos + 6];
  h.type_category = bytes[pos + 7];
  pos += 8;
  h.size = pos;
  const ProfileDef* profile =
      FindProfile(static_cast<std::uint16_t>(h.feature_ref << 8 | h.type_category));
  seal.profile = profile ? profile->name : "unknown";

  while (pos < bytes.size()) {
    std::size_t tag_pos = pos;
    std::uint8_t tag = bytes[pos++];
    std::size_t len = 0;
    if (!ReadDerLength(bytes, &pos, &len) || !need(pos, len)) {
      return Malformed(tag_pos, "truncated or bad length of tag " + std::to_string(tag),
                       error_offset);
    }
    if (tag == kSignatureTag) {
      seal.has_signature = true;
      seal.signature_offset = tag_pos;
      seal.signature.assign(bytes.begin() + static_cast<std::ptrdiff_t>(pos),
                            bytes.begin() + static_cast<std::ptrdiff_t>(pos + len));
      pos += len;
      if (pos != bytes.size()) return Malformed(pos, "bytes after the signature", error_offset);
      break;
    }
    VdsFeature f;
    f.tag = tag;
    f.raw.assign(bytes.begin() + static_cast<std::ptrdiff_t>(pos),
                 bytes.begin() + static_cast<std::ptrdiff_t>(pos + len));
    if (!DecodeFeature(FindFeature(profile, tag), f)) {
      return Malformed(tag_pos, "feature " + f.name + " is not validly encoded", error_offset);
    }
    if (f.name == "mrz") seal.mrz = f.value;
    if (f.name == "passport_number") seal.passport_number = f.value;
    seal.features.push_back(std::move(f));
    pos += len;
  }
  std::size_t signed_end = seal.has_signature ? seal.signature_offset : bytes.size();
  seal.signed_bytes.assign(bytes.begin(), bytes.begin() + static_cast<std::ptrdiff_t>(signed_end));
  return seal;
}

}  // namespace

Result<VdsSeal> ParseVds(std::span<const std::uint8_t> bytes, std::size_t* error_offset) {
  auto seal = Parse(bytes, error_offset, 0);
  // Real seals disagree on the radix of a v4 certificate reference length
  // (decimal for DEZV in BSI's library, hexadecimal elsewhere, and seals that
  // do the other). When the signer's radix does not parse, the other one is
  // taken only if it gives a clean seal ending in a signature zone (whose
  // signature the caller then verifies).
  if (!seal && seal.error().code == ErrorCode::kInvalidInput && bytes.size() > 8 &&
      bytes[1] == 0x03) {
    for (int radix : {16, 10}) {  // the signer's own radix fails again
      auto alt = Parse(bytes, nullptr, radix);
      if (alt && alt->has_signature) {
        alt->header.cert_reference_radix_fallback = true;
        return alt;
      }
    }
  }
  return seal;
}

}  // namespace tdv::sig
