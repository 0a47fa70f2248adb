// SPDX-License-Identifier: Apache-2.0
// Check-digit-guided repair of OCR output.
//
// OCR gives, for every position of the MRZ, one or more candidate characters
// with confidences. RepairMrz() picks the reading in which every check digit
// holds with the fewest substitutions (away from each position's best
// candidate), and among those the most plausible (the smallest loss of
// confidence). Two rules bound what it may do:
//  * Field type first: a position only takes characters its field allows:
//    digits in dates and check digits, letters in names and codes, both in
//    document numbers and optional data, M/F/X in the sex field ('<' fits
//    everywhere). A best candidate that does not fit is replaced by the best
//    fitting one, or by its OCR-B look-alike (O->0 in a date, 0->O in a name).
//  * Only check digits justify other substitutions, so names, which have no
//    check digit, are never changed except by field type, and never into
//    digits.
// When two different readings are equally good, none is chosen: the result
// keeps the unrepaired reading and says `ambiguous`, so that a guess can never
// pass as a valid MRZ. Every change that no check digit confirms (two changes
// under one digit, a change only the composite covers, a name, a state code)
// is listed in `uncertain`, so that a caller never takes it for a reading.
//
// Thread safety: pure functions; safe to call concurrently.
#ifndef TDV_MRZ_REPAIR_H_
#define TDV_MRZ_REPAIR_H_

#include <string>
#include <vector>

#include "tdv/mrz/mrz.h"
#include "tdv/mrz/result.h"

namespace tdv::mrz {

struct CharCandidate {
  char ch = '<';
  float confidence = 0.0f;  // 0..1; higher is more likely
};

// Candidates for one position, in any order.
using PositionCandidates = std::vector<CharCandidate>;
// One MRZ line: one entry per character position.
using LineCandidates = std::vector<PositionCandidates>;

struct RepairOptions {
  // How many characters one check digit may justify changing (the search
  // grows combinatorially beyond 3).
  int max_substitutions_per_check = 2;
  // Add OCR-B look-alikes (O/0, I/1, B/8, S/5, Z/2, G/6, '<'/K ...) as
  // low-confidence alternatives where OCR gave none.
  bool use_confusion_table = true;
  float confusion_confidence = 0.05f;
  // Whether the check-digit search may also try look-alikes that OCR itself
  // did not propose (it always may for field-type coercion). On real images
  // such guesses were almost always wrong: the search then "repairs" a
  // misread elsewhere in the field, or a printed check digit that is itself
  // wrong, until the digit holds.
  bool search_look_alikes = true;
  // Look-alike pairs the search may try even with search_look_alikes off,
  // each pair both ways ("O0": a letter O read where a check digit says 0,
  // and the reverse). Only pairs from the look-alike table count.
  std::string search_pairs;
};

// A position of the reading that no check digit confirms (Doc 9303 check
// digits confirm one change in the field they cover, not more: with two
// changes, or changes only the composite covers, some combination holds one
// time in ten).
struct UncertainPosition {
  int line = 0;      // 1-based
  int position = 0;  // 1-based column
  std::string field;
  // "unconfirmed_change": a change no check digit confirms (a name, a state
  // code turned into another code, several changes under one check digit,
  // a change only the composite covers, a swap of equal weight);
  // "ambiguous": equally good readings differ here; readers add
  // "low_confidence" for characters the classifier was unsure of.
  std::string reason;
};

struct CharRepair {
  int line = 0;       // 1-based
  int position = 0;   // 1-based column
  char from = 0;      // OCR's best candidate
  char to = 0;        // the chosen character
  std::string field;  // "birth_date", ...
  // "field_type", "check_digit", "country_code" or "name_padding"; readers
  // from images add "glyph_height", "glyph_shape" and "glyph_classifier"
  // (tdv/vision).
  std::string reason;
};

struct RepairResult {
  MrzFormat format = MrzFormat::kUnknown;
  std::vector<std::string> lines;  // the chosen reading
  std::vector<CharRepair> repairs;
  bool checks_satisfied = false;  // every check digit holds in `lines`
  // Several readings fit a check digit equally well; `lines` keeps the
  // field-type reading there, so the check stays failed.
  bool ambiguous = false;
  // Positions of `lines` that no check digit confirms, in reading order.
  std::vector<UncertainPosition> uncertain;
};

// Adds `u` to `result.uncertain`, kept in reading order; a position already
// listed keeps its first reason.
void AddUncertain(RepairResult& result, UncertainPosition u);

// Fails with kInvalidInput when the lines do not form an MRZ layout (count
// and lengths as in ParseMrz) or a position has no candidate.
Result<RepairResult> RepairMrz(const std::vector<LineCandidates>& lines,
                               const RepairOptions& options = {});

// The field a position belongs to in a layout ("document_number", "name",
// "composite" for the final check digit ...); line and position 1-based.
// Empty for positions outside the layout. Lets a reader that changed a
// character before the repair (a glyph cue) report it like the repair does.
std::string FieldAt(MrzFormat format, int line, int position);

// The characters a position's field allows ('<' included), as the repair
// applies them: letters in names and codes, digits in dates and check
// digits, both in numbers and optional data, M/F/X in the sex field. All of
// A-Z 0-9 < for positions outside the layout.
std::string AllowedAt(MrzFormat format, int line, int position);

// Whether a check digit of the field's own (not only the composite) covers
// the position (1-based line and position) in a layout: such a check digit
// can tell a misread there from the right reading, unless the two symbols
// weigh the same (values 10 apart: S/8, G/6, L/1, Z/5, U/0, '<'/0 ...).
bool CoveredByOwnCheck(MrzFormat format, int line, int position);

// Repairs plain text lines, using only the confusion table as alternatives
// (each character given has confidence 1).
Result<RepairResult> RepairMrzText(const std::vector<std::string>& lines,
                                   const RepairOptions& options = {});

}  // namespace tdv::mrz

#endif  // TDV_MRZ_REPAIR_H_
