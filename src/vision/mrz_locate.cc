// SPDX-License-Identifier: Apache-2.0
// Stage 1 of the MRZ reader: where on the page the MRZ may be.
#include "mrz_locate.h"

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <opencv2/imgcodecs.hpp>
#include <opencv2/imgproc.hpp>
#include <string>

namespace tdv::vision::internal {

namespace {

// One solid shape of a closing, as a rotated rectangle.
struct Blob {
  cv::RotatedRect rect;
  const std::vector<cv::Point>* contour = nullptr;
  double length = 0, thickness = 0, fill = 0;
  cv::Point2f dir;  // unit vector along the long side, x >= 0
};

Blob MakeBlob(const std::vector<cv::Point>& contour) {
  Blob b;
  b.contour = &contour;
  b.rect = cv::minAreaRect(contour);
  cv::Point2f pts[4];
  b.rect.points(pts);
  const cv::Point2f e1 = pts[1] - pts[0], e2 = pts[2] - pts[1];
  cv::Point2f dir = cv::norm(e1) > cv::norm(e2) ? e1 : e2;
  if (dir.x < 0 || (dir.x == 0 && dir.y < 0)) dir = -dir;
  const double n = cv::norm(dir);
  b.dir = n > 0 ? dir * float(1.0 / n) : cv::Point2f(1, 0);
  b.length = std::max(b.rect.size.width, b.rect.size.height);
  b.thickness = std::min(b.rect.size.width, b.rect.size.height);
  b.fill = b.length * b.thickness > 0 ? cv::contourArea(contour) / (b.length * b.thickness) : 0;
  return b;
}

// Two text lines of one MRZ: parallel, of similar length, side by side at a
// line spacing (Doc 9303 Part 3: the lines of a zone are 3.0-4.2 mm apart for
// characters 2.0-2.4 mm high, and a closing makes a line a little thicker).
bool Neighbours(const Blob& a, const Blob& b) {
  const double cos_angle = std::abs(a.dir.dot(b.dir));
  if (cos_angle < std::cos(3.0 * CV_PI / 180.0)) return false;
  if (std::min(a.length, b.length) < 0.6 * std::max(a.length, b.length)) return false;
  const cv::Point2f d = b.rect.center - a.rect.center;
  const double along = std::abs(d.dot(a.dir));
  const double across = std::abs(d.x * -a.dir.y + d.y * a.dir.x);
  const double t = std::max(a.thickness, b.thickness);
  return across > 1.1 * t && across < 4.0 * t && along < 0.3 * std::max(a.length, b.length);
}

Band Union(const std::vector<const Blob*>& members) {
  std::vector<cv::Point> all;
  double fill = 0;
  for (const Blob* m : members) {
    all.insert(all.end(), m->contour->begin(), m->contour->end());
    fill += m->fill;
  }
  const cv::RotatedRect r = cv::minAreaRect(all);
  const double length = std::max(r.size.width, r.size.height);
  // Lines found apart and paired are the MRZ's shape more surely than one
  // solid block: they rank a little higher at equal length.
  return {r, 1.2 * length * fill / double(members.size())};
}

}  // namespace

// Dark text that a closing merges into solid bands; the MRZ is the longest,
// most elongated solid band. Where its lines stay apart at every closing
// size (widely spaced lines, a small image), they are found one by one and
// paired: two or three parallel lines of similar length at line spacing.
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
    // Wide closings cost as the square of their size: those run at half
    // resolution (the shapes they make are much larger than a pixel), the
    // contours scaled back (locate on 1.5-2 MP photos: 95-140 -> ~55 ms).
    const int half = c >= 25 ? 2 : 1;
    cv::Mat source = bin, closed;
    if (half == 2) cv::resize(bin, source, cv::Size(), 0.5, 0.5, cv::INTER_AREA);
    const int size = half == 2 ? (c / 2) | 1 : c;
    cv::morphologyEx(source, closed, cv::MORPH_CLOSE,
                     cv::getStructuringElement(cv::MORPH_ELLIPSE, {size, size}));
    if (half == 2) cv::threshold(closed, closed, 127, 255, cv::THRESH_BINARY);
    if (debug != nullptr)
      cv::imwrite(std::string(debug) + "/closed" + std::to_string(c) + ".png", closed);
    std::vector<std::vector<cv::Point>> contours;
    // Every contour, not only the outermost: a dark frame round the picture
    // (a card scanned with its edge) would enclose everything else.
    cv::findContours(closed, contours, cv::RETR_LIST, cv::CHAIN_APPROX_SIMPLE);
    if (half == 2) {
      for (auto& contour : contours) {
        for (cv::Point& p : contour) p *= 2;
      }
    }
    std::vector<Blob> lines;
    for (const auto& contour : contours) {
      // Too small to be a line at all: skip before any geometry.
      const cv::Rect extent = cv::boundingRect(contour);
      if (std::max(extent.width, extent.height) < 0.1 * max_side) continue;
      Blob b = MakeBlob(contour);
      if (b.thickness < 4 || b.length < 0.15 * max_side || b.fill < 0.4) continue;
      const double aspect = b.length / b.thickness;
      if (aspect >= 4 && aspect <= 30 && b.thickness >= 6 && b.fill >= 0.55)
        bands.push_back({b.rect, b.length * b.fill});
      // A single line of 30 to 44 characters.
      if (aspect >= 12 && aspect <= 80) lines.push_back(std::move(b));
    }
    // Pairs and triples of neighbouring lines, each line with its nearest
    // neighbours on either side.
    for (std::size_t i = 0; i < lines.size(); ++i) {
      for (std::size_t j = i + 1; j < lines.size(); ++j) {
        if (!Neighbours(lines[i], lines[j])) continue;
        bands.push_back(Union({&lines[i], &lines[j]}));
        for (std::size_t m = j + 1; m < lines.size(); ++m) {
          if (Neighbours(lines[j], lines[m]) || Neighbours(lines[i], lines[m]))
            bands.push_back(Union({&lines[i], &lines[j], &lines[m]}));
        }
      }
    }
  }
  std::sort(bands.begin(), bands.end(),
            [](const Band& a, const Band& b) { return a.score > b.score; });
  // Drop near-duplicates (the same band found at several closing sizes).
  std::vector<Band> unique;
  for (const Band& b : bands) {
    const double bl = std::max(b.rect.size.width, b.rect.size.height),
                 bs = std::min(b.rect.size.width, b.rect.size.height);
    const bool dup = std::any_of(unique.begin(), unique.end(), [&](const Band& u) {
      const double ul = std::max(u.rect.size.width, u.rect.size.height),
                   us = std::min(u.rect.size.width, u.rect.size.height);
      return cv::norm(u.rect.center - b.rect.center) < 0.5 * std::min(bs, us) &&
             std::abs(ul - bl) < 0.2 * ul && std::abs(us - bs) < 0.5 * us;
    });
    if (!dup) unique.push_back(b);
    if (unique.size() == 6) break;
  }
  return unique;
}

}  // namespace tdv::vision::internal
