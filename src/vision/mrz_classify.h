// SPDX-License-Identifier: Apache-2.0
// Stage 3 of the MRZ reader (classify): symbols of one line image with
// their candidates, corrected by glyph cues, placed in fixed-pitch slots.
#ifndef TDV_SRC_VISION_MRZ_CLASSIFY_H_
#define TDV_SRC_VISION_MRZ_CLASSIFY_H_

#include <opencv2/core.hpp>
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

// The symbols placed in `length` fixed-pitch slots; `origin` receives the
// symbol each slot took (nullptr for an empty slot, read as a faint '<').
mrz::LineCandidates ToSlots(const std::vector<OcrSymbol>& symbols, int length,
                            std::vector<const OcrSymbol*>& origin);

}  // namespace tdv::vision::internal

#endif  // TDV_SRC_VISION_MRZ_CLASSIFY_H_
