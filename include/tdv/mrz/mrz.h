// SPDX-License-Identifier: Apache-2.0
// The machine readable zone (MRZ) of travel documents, ICAO Doc 9303 Parts 3-7.
//
// ParseMrz() turns MRZ text into an `Mrz`: the layout, every field, every check
// digit and every problem found, each with its position. It never stops at the
// first problem. A wrong check digit, a bad date or an unknown country code is
// data (an entry in Mrz::errors), not a failure of the call: the call fails
// only when there is no MRZ text at all or the options are unusable.
//
// Layouts are recognised by line count x line length, never by document code:
//   TD1  3 x 30   identity cards                     (Part 5)
//   TD2  2 x 36   identity cards                     (Part 6)
//   TD3  2 x 44   passports                          (Part 4)
//   MRVA 2 x 44   visas, first character 'V'         (Part 7)
//   MRVB 2 x 36   visas, first character 'V'         (Part 7)
//   FRENCH_ID 2 x 36, the French identity card issued 1988-2021 (not ICAO).
//
// Positions (Span) are ICAO-style: 1-based line and 1-based, inclusive
// character columns, as printed in the Doc 9303 field tables.
//
// Thread safety: every function here is pure and may be called concurrently.
#ifndef TDV_MRZ_MRZ_H_
#define TDV_MRZ_MRZ_H_

#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "tdv/mrz/date.h"
#include "tdv/mrz/result.h"

namespace tdv::mrz {

enum class MrzFormat { kUnknown, kTd1, kTd2, kTd3, kMrvA, kMrvB, kFrenchId };

// "TD1", "TD2", "TD3", "MRVA", "MRVB", "FRENCH_ID" or "UNKNOWN".
const char* FormatName(MrzFormat format) noexcept;

// Where something stands in the MRZ: line 1-3, columns start..end inclusive
// (1-based). line == 0 means the input as a whole.
struct Span {
  int line = 0;
  int start = 0;
  int end = 0;
};

// A plain field. `raw` is exactly as printed (fillers included); `value` has
// trailing fillers removed; inner fillers are kept as '<' so that the value
// maps back to the MRZ one to one. `present` is false for fields the format
// does not have (nationality on a French ID).
struct TextField {
  bool present = false;
  std::string raw;
  std::string value;
  Span span;
};

// The name zone (Part 3 §4.6): primary identifier before the first "<<",
// secondary identifiers after it, '<' read as a space.
struct NameField {
  std::string raw;
  Span span;
  std::string primary_identifier;
  std::string secondary_identifier;
  // The zone is full and ends in a letter: the issuer may have cut the name.
  bool truncated = false;
};

// A YYMMDD date. Unknown parts are '<' ("74<<<<"); an expiry of "<<<<<<" means
// the document does not expire.
struct DateField {
  enum class State {
    kComplete,  // all parts known and a real calendar date
    kPartial,   // some parts are '<'; the known parts are valid
    kUnknown,   // all six are '<' (birth date unknown)
    kNoExpiry,  // expiry "<<<<<<": the document does not expire
    kInvalid,   // not a date (letters, month 13, 31 February, ...)
  };
  bool present = false;
  std::string raw;
  Span span;
  State state = State::kInvalid;
  // Known parts; the year has its century resolved (see ParseOptions).
  std::optional<int> year, month, day;

  // "YYYY-MM-DD" when the state is kComplete, otherwise empty.
  std::string Iso() const;
};

// One check digit as found and as computed.
struct CheckDigitResult {
  // "document_number", "birth_date", "expiry_date", "optional_data",
  // "composite".
  std::string field;
  char expected = 0;  // '0'-'9', or 0 when it cannot be computed
  char actual = 0;    // the character in the MRZ
  bool ok = false;
  Span span;  // where the check digit stands
  // How it was computed for a long document number (TD1/TD2, Part 5 note j):
  // "" normally, "overflow" when the digits before '<' were used, or
  // "overflow_with_filler" when the '<' at the check-digit position was
  // included, as some issuers do.
  std::string variant;
};

enum class Severity { kError, kWarning };

// A problem with one field (or with the layout as a whole).
struct Issue {
  Severity severity = Severity::kError;
  std::string field;    // "document_number", "layout", ...
  std::string code;     // stable machine code, e.g. "check_digit_mismatch"
  std::string message;  // human-readable, English
  Span span;
  char expected = 0;  // the expected check digit, where one applies
};

struct Mrz {
  // User-provided, so that value-initialisation (Result's in-place
  // construction) does not zero the whole object before the member
  // initialisers run: a measurable cost in the parse loop.
  Mrz() noexcept {}

  MrzFormat format = MrzFormat::kUnknown;
  std::vector<std::string> lines;  // as given, whitespace trimmed

  TextField document_code;
  TextField issuing_state;
  TextField document_number;  // the whole number, overflow included
  NameField name;
  TextField nationality;
  DateField birth_date;
  TextField sex;  // 'M', 'F', 'X' or '<' (unspecified)
  DateField expiry_date;
  TextField optional_data;    // TD1 optional data 1; personal number (TD3)
  TextField optional_data_2;  // TD1 line 2 only
  bool document_number_overflow = false;

  std::vector<CheckDigitResult> checks;
  std::vector<Issue> errors;    // any entry makes the MRZ invalid
  std::vector<Issue> warnings;  // worth showing, not invalidating

  bool valid() const noexcept { return errors.empty(); }
};

struct ParseOptions {
  // Required. Birth dates take the latest century not after `today`; expiry
  // dates the latest century not more than `expiry_window_years` ahead.
  CivilDate today;
  int expiry_window_years = 50;
  // Accept UTO, the ICAO specimen state.
  bool allow_specimens = false;
  // Strict mode also rejects what real issuers print but ICAO does not allow:
  // sex 'X' in the MRZ, digits in names, codes outside the ICAO list.
  bool strict = false;
};

// Parses MRZ text: lines joined by "\n" or "\r\n" (or "\r"), or one string
// without breaks of 88, 72 or 90 characters. Surrounding whitespace and blank
// lines are ignored; anything else wrong is reported in Mrz::errors with its
// position (a wrong line count or length makes the layout kUnknown).
// Fails with kInvalidInput only when `text` holds no characters at all or
// options.today is not a valid date.
Result<Mrz> ParseMrz(std::string_view text, const ParseOptions& options);

// The same for lines given separately.
Result<Mrz> ParseMrzLines(const std::vector<std::string>& lines, const ParseOptions& options);

enum class ExpiryStatus { kValid, kExpired, kNoExpiry, kUnknown };

// Policy, not syntax: is the document expired on `as_of`? A document is valid
// through its expiry date. kUnknown when the expiry date is not a full date.
ExpiryStatus CheckExpiry(const DateField& expiry_date, CivilDate as_of) noexcept;

}  // namespace tdv::mrz

#endif  // TDV_MRZ_MRZ_H_
