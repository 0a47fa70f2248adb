// SPDX-License-Identifier: Apache-2.0
#include "mrz_glyphs.h"

#include <algorithm>
#include <cmath>
#include <filesystem>
#include <opencv2/imgproc.hpp>
#include <opencv2/ml.hpp>

namespace tdv::vision::internal {
namespace {

double Median(std::vector<double> v) {
  if (v.empty()) return 0;
  std::nth_element(v.begin(), v.begin() + static_cast<std::ptrdiff_t>(v.size() / 2), v.end());
  return v[v.size() / 2];
}

}  // namespace

LineMetrics MeasureLine(const std::vector<cv::Rect>& boxes) {
  std::vector<double> heights, tops;
  for (const cv::Rect& b : boxes) {
    heights.push_back(b.height);
    tops.push_back(b.y);
  }
  LineMetrics m;
  m.height = std::max(1.0, Median(heights));
  m.top = Median(tops);
  return m;
}

std::vector<float> GlyphFeatures(const cv::Mat& line, cv::Rect box, const LineMetrics& metrics) {
  std::vector<float> f(kGlyphFeatures, 0.0f);
  box &= cv::Rect(0, 0, line.cols, line.rows);
  if (box.width < 2 || box.height < 2) return f;
  const cv::Mat crop = line(box);
  // Ink by Otsu inside the box, then the box tightened to the ink.
  cv::Mat ink;
  cv::threshold(crop, ink, 0, 255, cv::THRESH_BINARY_INV | cv::THRESH_OTSU);
  std::vector<cv::Point> points;
  cv::findNonZero(ink, points);
  cv::Rect tight =
      points.empty() ? cv::Rect(0, 0, box.width, box.height) : cv::boundingRect(points);
  cv::Mat glyph;
  crop(tight).convertTo(glyph, CV_32F);
  double lo = 0, hi = 0;
  cv::minMaxLoc(glyph, &lo, &hi);
  // Ink 1, paper 0, whatever the contrast.
  glyph = (hi - glyph) / std::max(1.0, hi - lo);
  cv::Mat grid;
  cv::resize(glyph, grid, cv::Size(kGlyphW, kGlyphH), 0, 0, cv::INTER_AREA);
  for (int y = 0; y < kGlyphH; ++y) {
    for (int x = 0; x < kGlyphW; ++x)
      f[static_cast<std::size_t>(y * kGlyphW + x)] = grid.at<float>(y, x);
  }
  const double h = tight.height, w = tight.width;
  f[kGlyphW * kGlyphH] = static_cast<float>(w / h);
  f[kGlyphW * kGlyphH + 1] = static_cast<float>(h / metrics.height);
  f[kGlyphW * kGlyphH + 2] = static_cast<float>((box.y + tight.y - metrics.top) / metrics.height);
  return f;
}

struct GlyphClassifier::Impl {
  cv::Ptr<cv::ml::ANN_MLP> mlp;
};

GlyphClassifier::GlyphClassifier() : impl_(std::make_unique<Impl>()) {}
GlyphClassifier::~GlyphClassifier() = default;

std::unique_ptr<GlyphClassifier> GlyphClassifier::Load(const std::string& path) {
  std::error_code ec;
  if (!std::filesystem::is_regular_file(path, ec)) return nullptr;
  std::unique_ptr<GlyphClassifier> c(new GlyphClassifier());
  try {
    c->impl_->mlp = cv::ml::ANN_MLP::load(path);
  } catch (const cv::Exception&) {
    return nullptr;
  }
  if (c->impl_->mlp.empty() || !c->impl_->mlp->isTrained()) return nullptr;
  const cv::Mat layers = c->impl_->mlp->getLayerSizes();
  if (layers.total() < 2 || layers.at<int>(0) != kGlyphFeatures ||
      layers.at<int>(static_cast<int>(layers.total()) - 1) != kGlyphClasses)
    return nullptr;
  return c;
}

std::array<float, kGlyphClasses> GlyphClassifier::Classify(
    const std::vector<float>& features) const {
  cv::Mat in(1, kGlyphFeatures, CV_32F, const_cast<float*>(features.data()));
  cv::Mat out;
  impl_->mlp->predict(in, out);
  // Outputs are trained towards 1 (the class) and 0 (the others): a
  // softmax with a temperature turns them into probabilities.
  std::array<float, kGlyphClasses> p{};
  double sum = 0;
  for (int i = 0; i < kGlyphClasses; ++i) {
    const double e = std::exp(8.0 * out.at<float>(0, i));
    p[static_cast<std::size_t>(i)] = static_cast<float>(e);
    sum += e;
  }
  for (float& v : p) v = static_cast<float>(v / sum);
  return p;
}

}  // namespace tdv::vision::internal
