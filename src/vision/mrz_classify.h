// SPDX-License-Identifier: Apache-2.0
// Stage 3 of the MRZ reader (classify): symbols of one line image with
// their candidates, corrected by glyph cues, placed in fixed-pitch slots.
#ifndef TDV_SRC_VISION_MRZ_CLASSIFY_H_
#define TDV_SRC_VISION_MRZ_CLASSIFY_H_

#include <deque>
#include <opencv2/core.hpp>
#include <optional>
#include <string>
#include <vector>

#include "tdv/mrz/repair.h"

namespace tesseract {
class TessBaseAPI;
}

namespace tdv::vision::internal {

struct OcrSymbol {
  int left = 0, right = 0, top = 0, bottom = 0;
  std::vector<mrz::CharCandidate> choices;  // best first
  char read = 0;                            // Tesseract's own first choice
  const char* cue = nullptr;                // the glyph cue that put another choice first
};

// The probability an opinion gives `c`; -1 for an empty opinion.
float OpinionOf(const std::vector<float>& opinion, char c);

// This thread's engine for the model in `model_dir`, created on first use;
// nullptr when the model cannot be loaded.
tesseract::TessBaseAPI* ThreadEngine(const std::string& model_dir);

// Tesseract's symbols on one line image, left to right, with alternatives;
// `confidence` receives the mean first-choice confidence (0..1).
std::vector<OcrSymbol> Recognise(tesseract::TessBaseAPI& api, const cv::Mat& line,
                                 float& confidence);

// Glyph height separates OCR-B's digits from its capitals (O/0, B/8 ...).
void ApplyHeightCue(std::vector<OcrSymbol>& symbols);

// Ink in a few windows of the glyph separates H/M/W, S/8, F/P, G/Q/6.
void ApplyShapeCue(std::vector<OcrSymbol>& symbols, const cv::Mat& line);

class GlyphClassifier;

// The glyph classifier's probability at which its character replaces
// Tesseract's. Measured on the development set (exact / exact readings held
// back): 0.9 -> 42 / 3, 0.7 -> 44 / 4, 0.5 -> 46 / 6, 0.3 -> 46 / 6, always ->
// 44 / 4; on real print the classifier trained on rendered glyphs is the
// better reader wherever it leans one way.
inline constexpr float kGlyphSure = 0.5f;
// A cell whose weaker half is less sharp than this fraction of the line's
// median gets no opinion (a smudged glyph). 0.5 held back one more exact
// devset reading; 0.35 still catches the smudge test in mrz_stages_test.cc.
inline constexpr double kFaintCell = 0.35;

// Symbols read at positions `where` (in slots, in reading order), each
// with its confidence `sure`, placed one to a slot in their order, as near
// where they were read as they can be: a symbol's slot (-1: left out). A
// learned recogniser's columns do not sit at the glyphs' centres, so two
// neighbours (a doubled `22`) can round to one slot; rather than lose one
// and leave a gap beside them, each moves half a slot. A symbol is left out
// only where the line holds more symbols than slots, or where keeping it
// would move its neighbours further than kSlotDrop (in squared slots, times
// its confidence) is worth.
inline constexpr double kSlotDrop = 2.0;
std::vector<int> AssignSlots(const std::vector<double>& where, const std::vector<float>& sure,
                             int length);

// Where a line's symbols run, in its own columns: the centres of its first
// and last symbols (specks set apart at either end left out) and the median
// step between neighbours. nullopt for fewer than two symbols.
struct LineSpan {
  double first = 0, last = 0, pitch = 0;
};
std::optional<LineSpan> SpanOf(const std::vector<OcrSymbol>& symbols);

// The centres, in the line's own columns, that its first and last slots
// are anchored to.
struct SlotEnds {
  double first = 0, last = 0;
};

// The first and last slots of each line of a zone, from where all its
// lines run: ICAO 9303 prints every line from its first position to its
// last (fillers included), so the lines of one zone start at one column and
// end at one column. `spans` are the lines' (nullopt: nothing read) in
// columns common to all lines, `counts` their symbols, `length` the slots
// per line. A line that starts (or ends) half a pitch or more off the zone
// is anchored where the zone starts (ends): where the lines read with as
// many symbols as slots agree it does; else, of three lines, where two
// agree; else, of two, the one that disagrees is the one whose count says
// so (a mark before the line read as a symbol: more symbols than slots; a
// faint first or last symbol not read: fewer). nullopt: the line keeps its
// own.
// A line's end this many pitches or more off the zone's is off it; as many
// as kZoneEndReach or more is something else (a line cut from another band),
// unless the line was read with more symbols than slots: each symbol too
// many (a mark beyond the line's end read as symbols) reaches a pitch
// further.
inline constexpr double kZoneEndOff = 0.5, kZoneEndReach = 3.5;
std::vector<std::optional<SlotEnds>> ZoneEnds(const std::vector<std::optional<LineSpan>>& spans,
                                              const std::vector<std::size_t>& counts, int length);

// The symbols placed in `length` fixed-pitch slots; `origin` receives the
// symbol each slot took (nullptr for an empty slot, read as a faint '<').
// The first and last symbols fill the first and last slots, unless `ends`
// says where those slots are (the zone's other lines).
mrz::LineCandidates ToSlots(const std::vector<OcrSymbol>& symbols, int length,
                            std::vector<const OcrSymbol*>& origin,
                            const std::optional<SlotEnds>& ends = std::nullopt);

// The glyph classifier's opinion of every slot of a line: probabilities
// over kGlyphAlphabet (empty where the slot could not be placed).
using SlotOpinions = std::vector<std::vector<float>>;

// Cuts every slot from the line at the pitch fitted through the symbols'
// centres (OCR-B is monospaced: this holds where Tesseract split, merged or
// missed a glyph) and asks the glyph classifier; where a symbol stands, its
// own box is asked too and each character keeps the better of the two
// probabilities; a smudged cell (kFaintCell) gets no opinion. Where the
// classifier leans (>= kGlyphSure) to another character than the slot's
// first candidate, that character goes first; an empty slot takes it as its
// only candidate (its symbol, kept in `store`, becomes the slot's origin, cue
// "glyph_classifier").
SlotOpinions ClassifySlots(mrz::LineCandidates& slots, std::vector<const OcrSymbol*>& origin,
                           const cv::Mat& line, const GlyphClassifier& classifier,
                           std::deque<OcrSymbol>& store);

}  // namespace tdv::vision::internal

#endif  // TDV_SRC_VISION_MRZ_CLASSIFY_H_
