// SPDX-License-Identifier: Apache-2.0
// Stage 1 of the MRZ reader: where on the page the MRZ may be.
#include "mrz_locate.h"

#include <algorithm>
#include <cstdlib>
#include <opencv2/imgcodecs.hpp>
#include <opencv2/imgproc.hpp>
#include <string>

namespace tdv::vision::internal {

// Dark text that a closing merges into solid bands; the MRZ is the longest,
// most elongated solid band.
std::vector<Band> FindBands(const cv::Mat& work) {
  const int side = std::min(work.cols, work.rows);
  // Wider than the tallest MRZ character the band can have at this scale.
  const int k = std::max(15, side / 12) | 1;
  cv::Mat blackhat, bin;
  cv::morphologyEx(work, blackhat, cv::MORPH_BLACKHAT,
                   cv::getStructuringElement(cv::MORPH_RECT, {k, k}));
  cv::threshold(blackhat, bin, 0, 255, cv::THRESH_BINARY | cv::THRESH_OTSU);
  // Thin lines (guilloche, edges) go; characters stay.
  cv::morphologyEx(bin, bin, cv::MORPH_OPEN, cv::getStructuringElement(cv::MORPH_RECT, {2, 2}));
  std::vector<Band> bands;
  const double max_side = std::max(work.cols, work.rows);
  const char* debug = std::getenv("TDV_VISION_DEBUG_DIR");
  if (debug != nullptr) cv::imwrite(std::string(debug) + "/bin.png", bin);
  // Closings at a few scales: the character pitch depends on how much of the
  // image the document fills.
  const int big = static_cast<int>(max_side);
  for (int c : {std::max(5, big / 120) | 1, std::max(7, big / 70) | 1, std::max(9, big / 40) | 1,
                std::max(11, big / 25) | 1}) {
    cv::Mat closed;
    cv::morphologyEx(bin, closed, cv::MORPH_CLOSE,
                     cv::getStructuringElement(cv::MORPH_ELLIPSE, {c, c}));
    if (debug != nullptr)
      cv::imwrite(std::string(debug) + "/closed" + std::to_string(c) + ".png", closed);
    std::vector<std::vector<cv::Point>> contours;
    cv::findContours(closed, contours, cv::RETR_EXTERNAL, cv::CHAIN_APPROX_SIMPLE);
    for (const auto& contour : contours) {
      const cv::RotatedRect r = cv::minAreaRect(contour);
      const double L = std::max(r.size.width, r.size.height),
                   S = std::min(r.size.width, r.size.height);
      if (S < 6 || L < 0.15 * max_side) continue;
      const double aspect = L / S;
      if (aspect < 4 || aspect > 30) continue;
      const double fill = cv::contourArea(contour) / (L * S);
      if (fill < 0.55) continue;
      bands.push_back({r, L * fill});
    }
  }
  std::sort(bands.begin(), bands.end(),
            [](const Band& a, const Band& b) { return a.score > b.score; });
  // Drop near-duplicates (the same band found at several closing sizes).
  std::vector<Band> unique;
  for (const Band& b : bands) {
    const bool dup = std::any_of(unique.begin(), unique.end(), [&](const Band& u) {
      return cv::norm(u.rect.center - b.rect.center) <
             0.5 * std::min(b.rect.size.width, b.rect.size.height);
    });
    if (!dup) unique.push_back(b);
    if (unique.size() == 4) break;
  }
  return unique;
}

}  // namespace tdv::vision::internal
