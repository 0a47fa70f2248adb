// SPDX-License-Identifier: Apache-2.0
#include "tdv/vision/seal_reader.h"

#include <dmtx.h>

#include <algorithm>
#include <chrono>
#include <opencv2/core.hpp>
#include <opencv2/imgproc.hpp>
#include <utility>
#include <vector>

#include "decode.h"

namespace tdv::vision {
namespace {

using Clock = std::chrono::steady_clock;

double Ms(Clock::time_point a, Clock::time_point b) {
  return std::chrono::duration<double, std::milli>(b - a).count();
}

// Scans `gray` (shrunk by `shrink` inside libdmtx) until `deadline`;
// polygons are offset by `origin`.
void Scan(const cv::Mat& gray, int shrink, const DmtxTime& deadline, cv::Point origin,
          const SealReaderOptions& o, SealImageReading& out) {
  cv::Mat img = gray.isContinuous() ? gray : gray.clone();
  DmtxImage* image = dmtxImageCreate(img.data, img.cols, img.rows, DmtxPack8bppK);
  if (!image) return;
  DmtxDecode* dec = dmtxDecodeCreate(image, shrink);
  if (!dec) {
    dmtxImageDestroy(&image);
    return;
  }
  // A crop is the symbol plus a margin: skip edges much shorter than that
  // (libdmtx rejects false starts on text far sooner).
  dmtxDecodeSetProp(dec, DmtxPropEdgeMin, std::min(img.cols, img.rows) * 2 / 5 / shrink);
  DmtxTime limit = deadline;
  while (static_cast<int>(out.symbols.size()) < o.max_symbols) {
    DmtxRegion* region = dmtxRegionFindNext(dec, &limit);
    if (!region) {
      out.timed_out = dmtxTimeExceeded(limit) != 0;
      break;
    }
    DmtxMessage* msg = dmtxDecodeMatrixRegion(dec, region, DmtxUndefined);
    if (msg) {
      DataMatrixSymbol sym;
      sym.bytes.assign(msg->output, msg->output + msg->outputIdx);
      const double corners[4][2] = {{0, 0}, {1, 0}, {1, 1}, {0, 1}};
      for (int i = 0; i < 4; ++i) {
        DmtxVector2 v{corners[i][0], corners[i][1]};
        dmtxMatrix3VMultiplyBy(&v, region->fit2raw);
        // libdmtx's y axis points up.
        sym.polygon[static_cast<std::size_t>(i)] = {
            static_cast<float>(origin.x + v.X * shrink),
            static_cast<float>(origin.y + img.rows - 1 - v.Y * shrink)};
      }
      bool duplicate = false;
      for (const auto& s : out.symbols) duplicate = duplicate || s.bytes == sym.bytes;
      if (!duplicate) out.symbols.push_back(std::move(sym));
      dmtxMessageDestroy(&msg);
    }
    dmtxRegionDestroy(&region);
  }
  dmtxDecodeDestroy(&dec);
  dmtxImageDestroy(&image);
}

// Square, densely textured regions that could be a DataMatrix, largest
// first, in full-image coordinates. Text lines and the MRZ are elongated and
// rejected; photos and plain areas have no dense edges.
constexpr int kErode = 15;             // pixels at the search scale
constexpr double kMinSymbolSide = 70;  // pixels in the image

// A DataMatrix is about half dark modules; printed text and the MRZ are far
// lighter. Measured on the middle of the candidate, binarised by Otsu.
bool HalfDark(const cv::Mat& gray, const cv::Rect& box) {
  cv::Rect mid(box.x + box.width / 4, box.y + box.height / 4, box.width / 2, box.height / 2);
  if (mid.area() <= 0) return false;
  cv::Mat bw;
  cv::threshold(gray(mid), bw, 0, 255, cv::THRESH_BINARY | cv::THRESH_OTSU);
  const double dark = 1.0 - cv::countNonZero(bw) / static_cast<double>(mid.area());
  if (dark < 0.3 || dark > 0.7) return false;
  // No blank rows or columns either: text has them between lines and
  // characters, a symbol's modules fill every row and column.
  cv::Mat rows, cols;
  cv::reduce(bw, rows, 1, cv::REDUCE_AVG, CV_32F);
  cv::reduce(bw, cols, 0, cv::REDUCE_AVG, CV_32F);
  auto blank = [](const cv::Mat& v) {
    return cv::countNonZero(v > 255 * 0.95f) / static_cast<double>(v.total());
  };
  return blank(rows) < 0.08 && blank(cols) < 0.08;
}

std::vector<cv::Rect> Candidates(const cv::Mat& gray) {
  const double scale = std::min(1.0, 1000.0 / std::max(gray.cols, gray.rows));
  cv::Mat small;
  if (scale < 1) {
    cv::resize(gray, small, cv::Size(), scale, scale, cv::INTER_AREA);
  } else {
    small = gray;
  }
  cv::Mat grad, bw;
  cv::morphologyEx(small, grad, cv::MORPH_GRADIENT,
                   cv::getStructuringElement(cv::MORPH_ELLIPSE, {3, 3}));
  // Module edges are strong (black on white); sensor noise and guilloche
  // are not: never threshold below a fixed floor.
  const double otsu = cv::threshold(grad, bw, 0, 255, cv::THRESH_BINARY | cv::THRESH_OTSU);
  if (otsu < 60) cv::threshold(grad, bw, 60, 255, cv::THRESH_BINARY);
  cv::morphologyEx(bw, bw, cv::MORPH_CLOSE, cv::getStructuringElement(cv::MORPH_RECT, {7, 7}));
  cv::morphologyEx(bw, bw, cv::MORPH_OPEN, cv::getStructuringElement(cv::MORPH_RECT, {5, 5}));
  // Eroding removes thin things (text lines touching the symbol's quiet
  // zone); a symbol's core survives. Candidates from the eroded mask first.
  cv::Mat core;
  cv::erode(bw, core, cv::getStructuringElement(cv::MORPH_RECT, {kErode, kErode}));
  std::vector<std::pair<double, cv::Rect>> found;
  for (const cv::Mat* mask : {&core, &bw}) {
    const int grow = mask == &core ? kErode / 2 : 0;
    std::vector<std::vector<cv::Point>> contours;
    cv::Mat work = mask->clone();
    cv::findContours(work, contours, cv::RETR_EXTERNAL, cv::CHAIN_APPROX_SIMPLE);
    for (const auto& c : contours) {
      cv::RotatedRect r = cv::minAreaRect(c);
      const float g = static_cast<float>(grow);
      const float lo = std::min(r.size.width, r.size.height) + 2 * g;
      const float hi = std::max(r.size.width, r.size.height) + 2 * g;
      // VDS symbols have at least 36x36 modules of at least 2 pixels.
      if (lo < kMinSymbolSide * scale ||
          hi > 0.6f * static_cast<float>(std::max(small.cols, small.rows)) || lo / hi < 0.7f)
        continue;
      const double area = cv::contourArea(c);
      if (area < 0.5 * (lo - 2 * g) * (hi - 2 * g)) continue;
      cv::Rect box = r.boundingRect();
      const int margin = grow + static_cast<int>(0.15f * hi) + 4;
      box.x -= margin;
      box.y -= margin;
      box.width += 2 * margin;
      box.height += 2 * margin;
      cv::Rect full(static_cast<int>(box.x / scale), static_cast<int>(box.y / scale),
                    static_cast<int>(box.width / scale), static_cast<int>(box.height / scale));
      full &= cv::Rect(0, 0, gray.cols, gray.rows);
      if (!HalfDark(gray, full)) continue;
      bool seen = false;
      for (const auto& f : found) seen = seen || (f.second & full).area() > full.area() / 2;
      if (!seen) found.emplace_back(mask == &core ? area * 4 : area, full);
    }
  }
  std::sort(found.begin(), found.end(),
            [](const auto& a, const auto& b) { return a.first > b.first; });
  std::vector<cv::Rect> out;
  for (const auto& f : found) {
    if (out.size() < 8) out.push_back(f.second);
  }
  return out;
}

}  // namespace

Result<SealImageReading> FindDataMatrix(std::span<const std::uint8_t> file,
                                        const SealReaderOptions& o) {
  const auto t0 = Clock::now();
  auto decoded = DecodeGray(file, o.max_file_bytes, o.max_pixels);
  if (!decoded) return decoded.error();
  cv::Mat gray = std::move(*decoded);
  SealImageReading out;
  out.image_width = gray.cols;
  out.image_height = gray.rows;
  const auto t1 = Clock::now();
  out.decode_ms = Ms(t0, t1);
  DmtxTime deadline = dmtxTimeAdd(dmtxTimeNow(), o.timeout_ms);
  // libdmtx scans a whole 2 MP page in seconds; it reads a crop around a
  // candidate in milliseconds. Both polarities: printed or light on dark.
  for (const cv::Rect& box : Candidates(gray)) {
    cv::Mat crop = gray(box);
    for (bool negative : {false, true}) {
      const std::size_t before = out.symbols.size();
      if (negative) {
        cv::Mat inv;
        cv::bitwise_not(crop, inv);
        Scan(inv, 1, deadline, box.tl(), o, out);
      } else {
        Scan(crop, 1, deadline, box.tl(), o, out);
      }
      if (out.symbols.size() > before || out.timed_out) break;
    }
    if (static_cast<int>(out.symbols.size()) >= o.max_symbols || out.timed_out) break;
  }
  out.find_ms = Ms(t1, Clock::now());
  return out;
}

}  // namespace tdv::vision
