// SPDX-License-Identifier: Apache-2.0
// Stage 3 of the MRZ reader (classify), learned: a small convolutional line
// recogniser read out with CTC (models/mrz_crnn.onnx, trained on generated
// OCR-B lines by tools/train/train_crnn.sh; its card is models/README.md),
// run by OpenCV's dnn module. It answers the one question the stages after
// it ask: what characters, where, with what probabilities. The model's
// temperature is folded into it, so its probabilities are calibrated as
// they come.
#ifndef TDV_SRC_VISION_MRZ_CRNN_H_
#define TDV_SRC_VISION_MRZ_CRNN_H_

#include <cstddef>
#include <memory>
#include <opencv2/core.hpp>
#include <string>
#include <vector>

#include "mrz_classify.h"

namespace tdv::vision::internal {

// The model's input: a line scaled to kCrnnHeight rows with its aspect kept,
// squeezed to kCrnnWidth columns when wider, padded with the paper's level
// otherwise, then standardised (as to_input() and standardise() in
// tools/train/render_ctc_lines.py and train_crnn.py). One output column per
// kCrnnStride input columns.
inline constexpr int kCrnnHeight = 32, kCrnnWidth = 512, kCrnnStride = 4;

// The most models read together (mrz_crnn.onnx, mrz_crnn_2.onnx, ...): the
// number whose sure threshold was measured.
inline constexpr std::size_t kCrnnMaxMembers = 3;

// A calibrated probability at or above which a character is taken as read
// on the models' word alone, for one, two and three models read together.
// Each chosen on generated calibration lines held out from training by one
// rule: above it, one character in 2,000 or fewer was wrong (0.956, 0.915
// and 0.791 measured; models/README.md, "sure threshold"). The mean of more
// models puts their wrong characters lower and their right ones as high, so
// the threshold falls with their number.
inline constexpr float kCrnnSure[kCrnnMaxMembers] = {0.95f, 0.92f, 0.80f};

// The least probability of an alternative the model leaves room for, given
// to the check-digit repair: rarer ones would let it turn any doubtful text
// into an MRZ whose digits hold.
inline constexpr float kCrnnRival = 0.05f;

class LineRecogniser {
 public:
  // The models at `paths` read together (an ensemble: the mean of their
  // distributions in each column); nullptr when one is missing or OpenCV
  // cannot load it as a model of this shape (checked with one blank line).
  static std::unique_ptr<LineRecogniser> Load(const std::vector<std::string>& paths);
  ~LineRecogniser();

  // The characters of one line image (8-bit, dark on light, as SegmentLines
  // makes them), left to right: each with its box in the line's
  // coordinates (a pitch wide, the line's full height), its candidates
  // over kGlyphAlphabet by probability, best first (those of
  // kCrnnRival or more), and Tesseract's `read` field set to the best. `opinions`
  // receives each symbol's whole distribution over kGlyphAlphabet (blank
  // left out, renormalised); `confidence` the mean probability of the
  // characters read. Safe to call from several threads at once (one
  // network per thread).
  std::vector<OcrSymbol> Read(const cv::Mat& line, std::vector<std::vector<float>>& opinions,
                              float& confidence) const;

 private:
  explicit LineRecogniser(std::vector<std::string> paths);
  std::vector<std::string> paths_;
};

}  // namespace tdv::vision::internal

#endif  // TDV_SRC_VISION_MRZ_CRNN_H_
