// SPDX-License-Identifier: Apache-2.0
// A second opinion on each symbol of an MRZ line: a small neural network
// (OpenCV ml, ANN_MLP) over the glyph's pixels, trained on rendered and
// degraded OCR-B (tools/train/train_glyph_model.sh). Tesseract's legacy
// classifier rates look-alikes almost alike on real print (H/M, S/8, N/W);
// where the two classifiers agree the reading is sure, where they disagree
// it is not.
#ifndef TDV_SRC_VISION_MRZ_GLYPHS_H_
#define TDV_SRC_VISION_MRZ_GLYPHS_H_

#include <array>
#include <memory>
#include <opencv2/core.hpp>
#include <string>
#include <vector>

namespace tdv::vision::internal {

inline constexpr const char* kGlyphAlphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789<";
inline constexpr int kGlyphClasses = 37;
inline constexpr int kGlyphW = 12, kGlyphH = 16;
inline constexpr int kGlyphFeatures = kGlyphW * kGlyphH + 3;

// Where a line's glyphs stand: the median height and top of its symbols.
struct LineMetrics {
  double height = 1, top = 0;
};

// The boxes' median height and top.
LineMetrics MeasureLine(const std::vector<cv::Rect>& boxes);

// Features of the glyph in `box` of `line` (8-bit, dark on light): the ink
// inside the box, tightened to its extent, as a kGlyphW x kGlyphH grid of
// ink levels, plus its aspect, height and top against the line's.
std::vector<float> GlyphFeatures(const cv::Mat& line, cv::Rect box, const LineMetrics& metrics);

class GlyphClassifier {
 public:
  // nullptr when `path` is missing or not a model of this shape.
  static std::unique_ptr<GlyphClassifier> Load(const std::string& path);
  ~GlyphClassifier();

  // Probabilities (summing to 1) for each character of kGlyphAlphabet.
  // Safe to call from several threads at once.
  std::array<float, kGlyphClasses> Classify(const std::vector<float>& features) const;

 private:
  GlyphClassifier();
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

}  // namespace tdv::vision::internal

#endif  // TDV_SRC_VISION_MRZ_GLYPHS_H_
