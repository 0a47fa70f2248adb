// SPDX-License-Identifier: Apache-2.0
// Stage 4 of the MRZ reader (decide): how well a reading satisfies the MRZ
// grammar, which candidate wins, and what of the reading is uncertain.
#ifndef TDV_SRC_VISION_MRZ_DECIDE_H_
#define TDV_SRC_VISION_MRZ_DECIDE_H_

#include <cstddef>
#include <optional>
#include <string>
#include <vector>

#include "mrz_classify.h"
#include "tdv/mrz/repair.h"

namespace tdv::vision::internal {

// How well `lines` satisfy the MRZ grammar: check digits that hold, known
// state codes, a document kind (P, I, A, C, V), valid dates and sex, names of
// letters only. nullopt when the lines cannot be an MRZ at all (fewer than
// three such signs, or fewer than two plausible codes, dates or sex fields),
// so that such a candidate is discarded rather than returned.
std::optional<double> GrammarScore(const std::vector<std::string>& lines);

// A candidate reading's quality, to choose among the bands and both ways
// up: the grammar score, 10 more when the check digits hold, the mean line
// confidence, and, with calibrated per-character probabilities (the learned
// recogniser), 10 plus their log-likelihood (each clamped at 0.001): a
// reading repaired into valid check digits from many doubtful characters'
// alternatives loses to one the model reads sure, its check digit as printed.
double ReadingQuality(double grammar, bool checks_satisfied, const std::vector<float>& line_conf,
                      const std::vector<std::vector<float>>& char_conf, bool calibrated);

// The symbol counts an MRZ line can be read with (30 - 30/4 ... 44 + 44/4).
inline constexpr std::size_t kShortestLine = 23, kLongestLine = 55;
// Halfway between a card line's 30 symbols and a visa's 36: a row read with
// more is nearer a two-line zone's lines, with fewer nearer a card's.
inline constexpr std::size_t kCardLine = 33;

// Whether row `i` of the rows a band was cut into, read with `counts`
// symbols top to bottom, is print beside the MRZ rather than one of its
// lines. A row too short or too long to be an MRZ line is. An MRZ's lines
// are all of one length: with three rows, one whose count is more than a
// quarter off the other two's (both alike) is, however long (a wave of
// guilloche read as 28 symbols over two lines of 44). And only a card's
// zone has three lines, of 30: beside two alike rows nearer 36 or 44 than
// 30 (a visa's or a passport's two), a third row is print beside the zone
// whatever it reads as (that wave read as 36).
bool StrayRow(const std::vector<std::size_t>& counts, std::size_t i);

// The repair compares its reading with the candidates it was given, in
// which a glyph cue may already have put another character first. Against
// what Tesseract read, a cue's change is a repair too: listed with the cue
// as its reason, or as the `from` of a later repair at the same position;
// one the repair undid is no change at all.
void ReportCues(const std::vector<std::vector<const OcrSymbol*>>& origins,
                mrz::RepairResult& result);

// How the repair may change what the classifier read: one change per check
// digit, from the classifier's own alternatives only (measured on the
// development set of real images: look-alike guesses and second changes made
// a wrong reading "valid" far more often than they fixed one).
mrz::RepairOptions ImageRepairOptions();

// The learned recogniser's repair: as ImageRepairOptions, and the check
// digit may also read a round O as 0 or a 0 as O where the model proposed
// neither. Printers' faces do not keep OCR-B's difference between the two
// (a narrow oval 0, a round O): a card printed with a zero as round as the
// letter reads O to the model, surely, while its check digit says 0 (the
// two weigh differently in every position: 24 x 7, 3, 1 never ends in 0).
// Such a change goes against the model's word: it is held back
// ("unconfirmed_change", MarkUnsureCalibrated), never read as sure.
mrz::RepairOptions CalibratedRepairOptions();

// Below this confidence a character is not taken as read.
inline constexpr float kLowConfidence = 0.5f;

// Below this probability from the glyph classifier, the character chosen is
// not confirmed by the second opinion.
inline constexpr float kGlyphAgrees = 0.5f;
// Or, among the characters the position's field allows, first by this factor.
inline constexpr float kGlyphLeads = 3.0f;
// A character of equal check-digit weight that the glyph classifier rates
// at least this likely keeps a doubtful position doubtful even where its
// field's check digit holds.
inline constexpr float kEqualWeightRival = 0.1f;
// A character both classifiers read, Tesseract faintly (at least
// kFaintButAgreed) and the glyph classifier at kGlyphCertain or more with no
// rival above kGlyphNoRival, is sure.
inline constexpr float kFaintButAgreed = 0.4f;
inline constexpr float kGlyphCertain = 0.85f;
inline constexpr float kGlyphNoRival = 0.05f;
// Where no check digit of its field's own covers a position, the glyph
// classifier's reading replaces Tesseract's surely only when it rates its
// character at kOverruleFirm or more and Tesseract's at kOverruledRival or
// less; otherwise the position is an unconfirmed change.
inline constexpr float kOverruleFirm = 0.8f;
inline constexpr float kOverruledRival = 0.1f;

// Adds to `result.uncertain` ("low_confidence") every position whose chosen
// character has a confidence below kLowConfidence, or that the glyph
// classifier's opinion of the slot does not confirm; then takes off one such
// position per field whose own check digit holds (unless a character of equal
// weight is a likely rival there). A position where the chosen character and
// Tesseract's own reading `raw` weigh the same in every check digit (0 read,
// U chosen) is added as "ambiguous": no check digit can tell them apart. One
// where the glyph classifier overruled Tesseract outside any check digit of
// the field's own is added as "unconfirmed_change" unless the classifier is
// firm (kOverruleFirm, kOverruledRival). Characters both classifiers read
// alike, the glyph classifier certain, and state codes that no likely rival
// character turns into another code are sure.
void MarkUnsure(const std::vector<SlotOpinions>& opinions,
                const std::vector<std::vector<float>>& confidence,
                const std::vector<std::string>& raw, mrz::RepairResult& result);

// The learned recogniser's rule, with one calibrated probability per
// character (`opinions`: per line, per slot, over kGlyphAlphabet; empty
// where nothing was read): a position is sure when the model gives its
// chosen character `sure` or more, or when a check digit of its own field
// holds and it is the field's only doubtful position with no equal-weight
// rival the model rates kEqualWeightRival or more. Where the format admits
// few characters (digits and `<` in dates and check digits; a document
// code's first letter, A, C or I on a card, P, V), the probability is taken
// among those alone: the model's weight on others is no rival. Fields no check digit of
// their own covers (names, codes, optional data) are sure on the model's
// word alone. A change between characters of equal weight from the model's
// reading `raw` is "ambiguous"; one to a character the model left no room
// for (below kCrnnRival), other than where the field's type forces it (an
// O read in a date), is "unconfirmed_change".
void MarkUnsureCalibrated(const std::vector<SlotOpinions>& opinions, float sure,
                          const std::vector<std::string>& raw, mrz::RepairResult& result);

}  // namespace tdv::vision::internal

#endif  // TDV_SRC_VISION_MRZ_DECIDE_H_
