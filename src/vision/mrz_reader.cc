// SPDX-License-Identifier: Apache-2.0
// MrzReader: decode -> locate -> deskew -> segment lines -> OCR -> repair.
// What the open readers get wrong, and the Tesseract facts this relies on:
// ../shared/reference/mrz-ocr-notes.md.
#include "tdv/vision/mrz_reader.h"

#include <leptonica/allheaders.h>
#include <tesseract/baseapi.h>
#include <tesseract/resultiterator.h>

#include <algorithm>
#include <array>
#include <atomic>
#include <chrono>
#include <cmath>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <map>
#include <memory>
#include <mutex>
#include <opencv2/core.hpp>
#include <opencv2/imgcodecs.hpp>
#include <opencv2/imgproc.hpp>
#include <optional>
#include <string_view>
#include <tuple>

#include "decode.h"
#include "tdv/mrz/mrz.h"

namespace tdv::vision {
namespace {

using Clock = std::chrono::steady_clock;
double Ms(Clock::time_point a, Clock::time_point b) {
  return std::chrono::duration<double, std::milli>(b - a).count();
}

constexpr const char* kAlphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789<";
constexpr int kWorkSide = 1200;  // longest side of the image the band is searched in
constexpr int kLineHeight = 40;  // ink height (px) lines are scaled to for OCR

// One Tesseract engine per thread and model, created on first use.
tesseract::TessBaseAPI* ThreadEngine(const std::string& model_dir) {
  thread_local std::map<std::string, std::unique_ptr<tesseract::TessBaseAPI>> engines;
  auto& api = engines[model_dir];
  if (!api) {
    auto fresh = std::make_unique<tesseract::TessBaseAPI>();
    if (fresh->Init(model_dir.c_str(), "mrz", tesseract::OEM_TESSERACT_ONLY) != 0) return nullptr;
    fresh->SetVariable("tessedit_char_whitelist", kAlphabet);
    fresh->SetVariable("load_system_dawg", "0");
    fresh->SetVariable("load_freq_dawg", "0");
    fresh->SetVariable("debug_file", "/dev/null");
    fresh->SetPageSegMode(tesseract::PSM_SINGLE_LINE);
    api = std::move(fresh);
  }
  return api.get();
}

// A candidate MRZ band: a rotated rectangle in working-image coordinates.
struct Band {
  cv::RotatedRect rect;
  double score = 0;
};

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

// How sharply ink (white in `inv`) is concentrated in rows (dim 1) or
// columns (dim 0): the spread of the projection, which peaks when the lines
// lie flat or the strokes stand upright.
double Sharpness(const cv::Mat& inv, int dim) {
  cv::Mat projection;
  cv::reduce(inv, projection, dim, cv::REDUCE_SUM, CV_64F);
  cv::Scalar mean, dev;
  cv::meanStdDev(projection, mean, dev);
  return dev[0];
}

// The band, cut from the full-resolution image and turned horizontal
// (`flip`: turned a further 180 degrees).
cv::Mat Straighten(const cv::Mat& gray, const cv::RotatedRect& r, bool flip, double& angle_out) {
  cv::Point2f pts[4];
  r.points(pts);
  // The long edge gives the text direction.
  cv::Point2f e1 = pts[1] - pts[0], e2 = pts[2] - pts[1];
  cv::Point2f dir = cv::norm(e1) > cv::norm(e2) ? e1 : e2;
  if (dir.x < 0) dir = -dir;
  double angle = std::atan2(dir.y, dir.x) * 180.0 / CV_PI;
  const double L = std::max(r.size.width, r.size.height), S = std::min(r.size.width, r.size.height);
  if (flip) angle += 180.0;
  const cv::Size out(static_cast<int>(L * 1.06 + 8), static_cast<int>(S * 1.5 + 8));
  auto warp = [&](double a, cv::InterpolationFlags interpolation) {
    cv::Mat m = cv::getRotationMatrix2D(r.center, a, 1.0);
    m.at<double>(0, 2) += out.width / 2.0 - r.center.x;
    m.at<double>(1, 2) += out.height / 2.0 - r.center.y;
    cv::Mat band;
    cv::warpAffine(gray, band, m, out, interpolation, cv::BORDER_REPLICATE);
    return band;
  };
  // The rectangle's angle is only as good as the blob it came from: refine
  // it to the angle at which the rows of ink are sharpest (the variance of
  // the horizontal projection peaks when the lines lie flat).
  double best_angle = angle, best_score = -1;
  for (double d = -2.0; d <= 2.0; d += 0.25) {
    cv::Mat inv;
    cv::threshold(warp(angle + d, cv::INTER_LINEAR), inv, 0, 255,
                  cv::THRESH_BINARY_INV | cv::THRESH_OTSU);
    if (const double score = Sharpness(inv, 1); score > best_score) {
      best_score = score;
      best_angle = angle + d;
    }
  }
  angle_out = best_angle;
  return warp(best_angle, cv::INTER_CUBIC);
}

// Perspective leaves the glyphs' vertical strokes leaning once the lines
// lie flat. The shear at which the columns of ink are sharpest (the
// variance of the vertical projection peaks when the strokes stand
// upright) is taken out.
cv::Mat Deshear(const cv::Mat& band) {
  // Six steps either way of 0.025 pixels of horizontal shift per row: up to
  // 8.5 degrees.
  constexpr int kSteps = 6;
  constexpr double kStep = 0.025;
  cv::Mat inv;
  cv::threshold(band, inv, 0, 255, cv::THRESH_BINARY_INV | cv::THRESH_OTSU);
  auto sheared = [&](const cv::Mat& src, double k, int interpolation, int border, double fill) {
    // x' = x + k (y - centre): the band's middle row stays put.
    cv::Mat m = (cv::Mat_<double>(2, 3) << 1, k, -k * src.rows / 2.0, 0, 1, 0);
    cv::Mat out;
    cv::warpAffine(src, out, m, src.size(), interpolation, border, cv::Scalar(fill));
    return out;
  };
  double best_k = 0, best_score = -1;
  for (int step = -kSteps; step <= kSteps; ++step) {
    const double k = step * kStep;
    const double score = Sharpness(sheared(inv, k, cv::INTER_NEAREST, cv::BORDER_CONSTANT, 0), 0);
    if (score > best_score + 1e-9) {
      best_score = score;
      best_k = k;
    }
  }
  if (best_k == 0) return band;
  return sheared(band, best_k, cv::INTER_CUBIC, cv::BORDER_REPLICATE, 0);
}

struct LineImage {
  cv::Mat pixels;  // 8-bit, dark text on light, scaled for OCR
};

// The paper's grey level: a bright percentile, robust to the ink.
double Paper(const cv::Mat& gray) {
  int hist[256] = {};
  for (int y = 0; y < gray.rows; ++y) {
    const auto* row = gray.ptr<std::uint8_t>(y);
    for (int x = 0; x < gray.cols; ++x) ++hist[row[x]];
  }
  const long target = static_cast<long>(gray.total()) * 3 / 4;
  long seen = 0;
  for (int v = 0; v < 256; ++v) {
    seen += hist[v];
    if (seen >= target) return v;
  }
  return 255;
}

// A straight line y = c + m x.
struct Linear {
  double c = 0, m = 0;
  double At(double x) const { return c + m * x; }
};

// Least squares, then once more without the points farther than
// `tolerance` from the first fit.
std::optional<Linear> FitLinear(const std::vector<cv::Point2d>& points, double tolerance) {
  auto fit = [](const std::vector<cv::Point2d>& p) -> std::optional<Linear> {
    double sx = 0, sy = 0, sxx = 0, sxy = 0;
    for (const auto& q : p) {
      sx += q.x;
      sy += q.y;
      sxx += q.x * q.x;
      sxy += q.x * q.y;
    }
    const double n = double(p.size()), d = n * sxx - sx * sx;
    if (p.size() < 2 || d < 1e-9) return std::nullopt;
    const double m = (n * sxy - sx * sy) / d;
    return Linear{(sy - m * sx) / n, m};
  };
  const auto first = fit(points);
  if (!first) return std::nullopt;
  std::vector<cv::Point2d> kept;
  for (const auto& q : points) {
    if (std::abs(q.y - first->At(q.x)) <= tolerance) kept.push_back(q);
  }
  if (kept.size() * 3 < points.size() * 2) return std::nullopt;  // no clear trend
  return fit(kept);
}

// Light falling across a photo (darker at one end of the band) makes one
// threshold take paper for ink, and the line split then finds one block
// instead of two or three lines. The paper's own level, estimated by a
// closing wider than any stroke, divides it out. Hard sets (seeds
// 202/303/505/707/808) went from 99.3/96.0/98.3/98.0/98.0 to
// 100/100/99.2/98.7/100 % exact.
cv::Mat Flatten(const cv::Mat& band) {
  const int k = std::max(9, band.rows / 3) | 1;
  cv::Mat paper, flat;
  cv::morphologyEx(band, paper, cv::MORPH_CLOSE, cv::getStructuringElement(cv::MORPH_RECT, {k, k}));
  cv::blur(paper, paper, {k, k});
  paper.convertTo(paper, CV_32F);
  band.convertTo(flat, CV_32F);
  cv::divide(flat, cv::max(paper, 1.0), flat, 255.0);
  flat.convertTo(flat, CV_8U);  // saturates
  return flat;
}

// Rows of ink in the straightened band -> 2 or 3 text lines.
std::vector<LineImage> SegmentLines(const cv::Mat& band) {
  cv::Mat norm, bin;
  cv::normalize(Flatten(band), norm, 0, 255, cv::NORM_MINMAX);
  cv::threshold(norm, bin, 0, 255, cv::THRESH_BINARY_INV | cv::THRESH_OTSU);
  cv::morphologyEx(bin, bin, cv::MORPH_OPEN, cv::getStructuringElement(cv::MORPH_RECT, {2, 2}));
  std::vector<double> rows(static_cast<std::size_t>(bin.rows));
  for (int y = 0; y < bin.rows; ++y)
    rows[static_cast<std::size_t>(y)] = cv::countNonZero(bin.row(y));
  const double peak = *std::max_element(rows.begin(), rows.end());
  std::vector<std::pair<int, int>> runs;
  int start = -1;
  for (int y = 0; y <= bin.rows; ++y) {
    const bool ink = y < bin.rows && rows[static_cast<std::size_t>(y)] > 0.12 * peak;
    if (ink && start < 0) start = y;
    if (!ink && start >= 0) {
      runs.emplace_back(start, y);
      start = -1;
    }
  }
  // Keep runs of text height: within 50% of the tallest.
  int tallest = 0;
  for (auto [a, b] : runs) tallest = std::max(tallest, b - a);
  std::vector<std::pair<int, int>> lines;
  for (auto [a, b] : runs) {
    if (b - a >= tallest / 2) lines.emplace_back(a, b);
  }
  std::vector<LineImage> out;
  const double paper = Paper(norm);
  for (std::size_t i = 0; i < lines.size(); ++i) {
    const auto [a, b] = lines[i];
    const int h = b - a, pad = std::max(3, h / 3);
    // The padding stops halfway to the next line: ink of a neighbouring line
    // at the crop's edge turns the legacy classifier's "I<" into "25".
    const int above = i > 0 ? (lines[i - 1].second + a) / 2 : 0;
    const int below = i + 1 < lines.size() ? (b + lines[i + 1].first + 1) / 2 : band.rows;
    const int y0 = std::max(above, a - pad), y1 = std::min(below, b + pad);
    // Horizontal extent of the line's ink.
    cv::Mat strip = bin.rowRange(a, b);
    std::vector<cv::Point> ink;
    cv::findNonZero(strip, ink);
    if (ink.empty()) continue;
    const cv::Rect box = cv::boundingRect(ink);
    const int x0 = std::max(0, box.x - pad), x1 = std::min(band.cols, box.x + box.width + pad);
    const cv::Range ys(y0, y1), xs(x0, x1);
    cv::Mat crop = norm(ys, xs).clone();
    // Pieces of a neighbouring line that reach into the crop (a slant the
    // deskew left, perspective) become paper.
    cv::Mat labels, stats, centroids, stray = cv::Mat::zeros(crop.size(), CV_8U);
    const int n = cv::connectedComponentsWithStats(bin(ys, xs), labels, stats, centroids, 8);
    for (int c = 1; c < n; ++c) {
      const double centre =
          y0 + stats.at<int>(c, cv::CC_STAT_TOP) + stats.at<int>(c, cv::CC_STAT_HEIGHT) / 2.0;
      if (centre < a || centre >= b) stray.setTo(255, labels == c);
    }
    if (cv::countNonZero(stray) > 0) {
      cv::dilate(stray, stray, cv::getStructuringElement(cv::MORPH_RECT, {3, 3}));
      crop.setTo(paper, stray);
    }
    cv::copyMakeBorder(crop, crop, y0 - (a - pad), (b + pad) - y1, 0, 0, cv::BORDER_CONSTANT,
                       cv::Scalar(paper));
    const double scale = double(kLineHeight) / std::max(1, h);
    cv::Mat scaled;
    cv::resize(crop, scaled, cv::Size(), scale, scale,
               scale > 1 ? cv::INTER_CUBIC : cv::INTER_AREA);
    out.push_back({scaled});
  }
  return out;
}

struct OcrSymbol {
  int left = 0, right = 0, top = 0, bottom = 0;
  std::vector<mrz::CharCandidate> choices;  // best first
  char read = 0;                            // Tesseract's own first choice
  const char* cue = nullptr;                // the glyph cue that put another choice first
};

std::vector<OcrSymbol> Recognise(tesseract::TessBaseAPI& api, const cv::Mat& line,
                                 float& confidence) {
  if (const char* debug = std::getenv("TDV_VISION_DEBUG_DIR")) {
    static std::atomic<int> n{0};
    cv::imwrite(std::string(debug) + "/line" + std::to_string(n++) + ".png", line);
  }
  api.SetImage(line.data, line.cols, line.rows, 1, static_cast<int>(line.step));
  api.SetSourceResolution(300);
  std::vector<OcrSymbol> out;
  confidence = 0;
  if (api.Recognize(nullptr) != 0) return out;
  std::unique_ptr<tesseract::ResultIterator> it(api.GetIterator());
  if (!it) return out;
  double sum = 0;
  do {
    std::unique_ptr<char[]> text(it->GetUTF8Text(tesseract::RIL_SYMBOL));
    if (!text || std::strlen(text.get()) != 1) continue;
    OcrSymbol s;
    it->BoundingBox(tesseract::RIL_SYMBOL, &s.left, &s.top, &s.right, &s.bottom);
    const float best = std::clamp(it->Confidence(tesseract::RIL_SYMBOL) / 100.0f, 0.01f, 1.0f);
    s.choices.push_back({text[0], best});
    s.read = text[0];
    tesseract::ChoiceIterator ci(*it);
    do {
      const char* c = ci.GetUTF8Text();
      if (c == nullptr || std::strlen(c) != 1 || c[0] == text[0]) continue;
      s.choices.push_back({c[0], std::clamp(ci.Confidence() / 100.0f, 0.005f, best * 0.95f)});
    } while (ci.Next());
    sum += best;
    out.push_back(std::move(s));
  } while (it->Next(tesseract::RIL_SYMBOL));
  confidence = out.empty() ? 0.0f : static_cast<float>(sum / double(out.size()));
  return out;
}

// Makes `want` the symbol's first choice with the best confidence; the OCR
// reading follows at half of it. `cue` is the reason reported when the
// reading keeps `want`.
void Promote(OcrSymbol& s, char want, const char* cue) {
  s.cue = cue;
  const float conf = s.choices.front().confidence;
  auto it = std::find_if(s.choices.begin(), s.choices.end(),
                         [&](const mrz::CharCandidate& c) { return c.ch == want; });
  if (it != s.choices.end()) s.choices.erase(it);
  s.choices.front().confidence = conf * 0.5f;
  s.choices.insert(s.choices.begin(), {want, conf});
}

// OCR-B's digits are taller than its capitals (79 against 70 units; round
// capitals such as O overshoot to about 73), a difference between
// look-alikes (O/0, D/0, B/8, Z/2, I/1) that check digits often cannot
// place: a swap at either of two positions of equal weight fixes the digit.
// Measured against the confident digits and flat capitals of the same line,
// a symbol's height picks the reading. With the country-code repair in mrz,
// tools/bench/bench_mrz_images went from 98.7 to 100 % exact on both
// moderate sets and from 95.3 / 90.0 to 98.0 / 93.0 % on the hard ones.
void ApplyHeightCue(std::vector<OcrSymbol>& symbols) {
  auto round_capital = [](char c) {
    return c == 'O' || c == 'Q' || c == 'S' || c == 'G' || c == 'C';
  };
  std::vector<int> digits, capitals;
  for (const OcrSymbol& s : symbols) {
    const mrz::CharCandidate& best = s.choices.front();
    if (best.confidence < 0.75f) continue;
    const int h = s.bottom - s.top;
    if (best.ch >= '0' && best.ch <= '9' && best.ch != '0') digits.push_back(h);
    if (best.ch >= 'A' && best.ch <= 'Z' && !round_capital(best.ch)) capitals.push_back(h);
  }
  if (digits.size() < 3 || capitals.size() < 3) return;
  auto median = [](std::vector<int>& v) {
    std::nth_element(v.begin(), v.begin() + static_cast<std::ptrdiff_t>(v.size() / 2), v.end());
    return double(v[v.size() / 2]);
  };
  const double hd = median(digits), hc = median(capitals);
  if (hd - hc < 2.0) return;  // too blurred or too small to tell
  // Round capitals (O) overshoot and sit near the digits' height, so they
  // change only on a clear reading; S and G were measured too unreliable.
  static constexpr std::pair<char, char> kPairs[] = {
      {'O', '0'}, {'D', '0'}, {'B', '8'}, {'Z', '2'}, {'I', '1'}};
  for (OcrSymbol& s : symbols) {
    const char best = s.choices.front().ch;
    // Where between a capital (0) and a digit (1) this symbol's height lies.
    const double t = (double(s.bottom - s.top) - hc) / (hd - hc);
    for (auto [letter, digit] : kPairs) {
      if (best != letter && best != digit) continue;
      const bool round = round_capital(letter);
      const bool looks_digit = round ? t >= 0.99 : t > 0.62;
      const bool looks_letter = round ? t <= 0.34 : t < 0.38;
      const char want = looks_digit ? digit : looks_letter ? letter : 0;
      if (want == 0 || want == best) continue;
      Promote(s, want, "glyph_height");
      break;
    }
  }
}

// Look-alikes the legacy classifier confuses on blurred lines differ in a
// few places it weighs too little: where M has its diagonals and H nothing,
// where S is open and 8 closed, P closed and F open, G open and Q closed.
// Six ink fractions of the binarised glyph box (windows as fractions of the
// box: x0, x1, y0, y1) describe those places; on real line images they
// separate these pairs with wide gaps (H: 0.00 in the upper centre, M
// 0.50-0.65). With the cue, tools/bench/bench_mrz_images went from 98.0 to
// 99.3 % (hard seed 202) and 96.7 to 98.0 % (808): names have no check
// digit, and S/8, G/6 weigh the same in one.
constexpr double kWindows[6][4] = {
    {0.0, 0.3, 0.55, 0.8},  // lower left: open in S
    {0.7, 1.0, 0.2, 0.45},  // upper right: open in S, F, G, 6
    {0.0, 0.3, 0.2, 0.45},  // upper left: open in 6
    {0.7, 1.0, 0.55, 0.8},  // lower right: open in F, P
    {0.3, 0.7, 0.05, 0.4},  // upper centre: M's diagonals, nothing in H, W
    {0.3, 0.7, 0.6, 0.95},  // lower centre: W's diagonals, Q's tail, nothing in H
};
using ShapeFeatures = std::array<double, 6>;

// Median features per character over the line images of a calibration set
// that no benchmark uses, made by tools/train/shape_prototypes.py (its
// docstring has the commands).
struct ShapePrototype {
  char ch;
  ShapeFeatures f;
};
constexpr ShapePrototype kPrototypes[] = {
    {'H', {0.85, 0.75, 0.83, 0.76, 0.00, 0.00}},  // 111 glyphs
    {'M', {0.65, 0.87, 0.82, 0.62, 0.57, 0.14}},  // 129 glyphs
    {'W', {0.73, 0.68, 0.71, 0.82, 0.00, 0.76}},  // 126 glyphs
    {'S', {0.22, 0.22, 0.79, 0.81, 0.39, 0.26}},  // 138 glyphs
    {'8', {0.74, 0.63, 0.54, 0.73, 0.46, 0.24}},  // 125 glyphs
    {'F', {1.00, 0.06, 1.00, 0.00, 0.38, 0.00}},  // 157 glyphs
    {'P', {0.79, 0.77, 0.75, 0.03, 0.38, 0.00}},  // 144 glyphs
    {'G', {0.78, 0.06, 0.75, 0.72, 0.39, 0.31}},  // 122 glyphs
    {'Q', {0.74, 0.70, 0.74, 0.73, 0.37, 0.66}},  // 120 glyphs
    {'6', {0.79, 0.06, 0.28, 0.70, 0.59, 0.25}},  // 123 glyphs
};
// Groups of look-alikes: a symbol read as one of a group may become another
// member whose prototype lies clearly nearer.
constexpr std::string_view kShapeGroups[] = {"HMW", "S8", "FP", "GQ6"};

ShapeFeatures Shape(const cv::Mat& glyph) {
  ShapeFeatures f{};
  for (std::size_t i = 0; i < f.size(); ++i) {
    const auto& w = kWindows[i];
    const cv::Rect r(static_cast<int>(w[0] * glyph.cols), static_cast<int>(w[2] * glyph.rows),
                     std::max(1, static_cast<int>((w[1] - w[0]) * glyph.cols)),
                     std::max(1, static_cast<int>((w[3] - w[2]) * glyph.rows)));
    const cv::Rect in = r & cv::Rect(0, 0, glyph.cols, glyph.rows);
    f[i] = in.area() > 0 ? cv::countNonZero(glyph(in)) / double(in.area()) : 0.0;
  }
  return f;
}

void ApplyShapeCue(std::vector<OcrSymbol>& symbols, const cv::Mat& line) {
  const char* debug = std::getenv("TDV_VISION_DEBUG_DIR");
  std::unique_ptr<std::FILE, int (*)(std::FILE*)> stats(
      debug != nullptr ? std::fopen((std::string(debug) + "/shapes.txt").c_str(), "a") : nullptr,
      [](std::FILE* f) { return f != nullptr ? std::fclose(f) : 0; });
  for (OcrSymbol& s : symbols) {
    const char best = s.choices.front().ch;
    const auto group = std::find_if(std::begin(kShapeGroups), std::end(kShapeGroups),
                                    [&](std::string_view g) { return g.find(best) != g.npos; });
    if (group == std::end(kShapeGroups) && stats == nullptr) continue;
    const cv::Rect box = cv::Rect(cv::Point(s.left, s.top), cv::Point(s.right, s.bottom)) &
                         cv::Rect(0, 0, line.cols, line.rows);
    if (box.width < 8 || box.height < 12) continue;
    cv::Mat glyph;
    cv::threshold(line(box), glyph, 0, 255, cv::THRESH_BINARY_INV | cv::THRESH_OTSU);
    const ShapeFeatures f = Shape(glyph);
    if (stats != nullptr) {
      std::fprintf(stats.get(), "%c", best);
      for (double v : f) std::fprintf(stats.get(), " %.3f", v);
      std::fprintf(stats.get(), "\n");
    }
    if (group == std::end(kShapeGroups)) continue;
    auto distance = [&](char c) {
      for (const ShapePrototype& p : kPrototypes) {
        if (p.ch != c) continue;
        double d = 0;
        for (std::size_t i = 0; i < f.size(); ++i) d += (f[i] - p.f[i]) * (f[i] - p.f[i]);
        return std::sqrt(d);
      }
      return 1e9;
    };
    const double own = distance(best);
    if (own > 1e8) continue;  // no prototype
    char want = 0;
    double nearest = own;
    for (char c : *group) {
      if (const double d = distance(c); c != best && d < nearest) {
        nearest = d;
        want = c;
      }
    }
    // Clearly nearer: half the distance.
    if (want != 0 && nearest < 0.5 * own) Promote(s, want, "glyph_shape");
  }
}

// Places OCR's symbols in the line's fixed-pitch slots (OCR-B is
// monospaced): a missed or split character cannot shift the rest.
// `origin` receives the symbol each slot took (null for an empty slot).
mrz::LineCandidates ToSlots(const std::vector<OcrSymbol>& symbols, int length,
                            std::vector<const OcrSymbol*>& origin) {
  mrz::LineCandidates slots(static_cast<std::size_t>(length));
  origin.assign(static_cast<std::size_t>(length), nullptr);
  if (symbols.empty()) return slots;
  const double x0 = symbols.front().left, x1 = symbols.back().right;
  const double pitch = (x1 - x0) / length;
  // Perspective makes the pitch change along the line (wider at the near
  // end): fitted linearly, p(x) = a + b x, from neighbouring symbols one
  // pitch apart, a position's slot is the integral of 1 / p, scaled so that
  // the first and last symbols fill the first and last slots.
  std::vector<cv::Point2d> steps;
  for (std::size_t i = 1; i < symbols.size(); ++i) {
    const double c0 = (symbols[i - 1].left + symbols[i - 1].right) / 2.0,
                 c1 = (symbols[i].left + symbols[i].right) / 2.0;
    if (c1 - c0 > 0.6 * pitch && c1 - c0 < 1.4 * pitch) steps.emplace_back((c0 + c1) / 2, c1 - c0);
  }
  std::optional<Linear> local;
  if (steps.size() >= static_cast<std::size_t>(length) / 2) local = FitLinear(steps, 0.2 * pitch);
  const double first = (symbols.front().left + symbols.front().right) / 2.0,
               last = (symbols.back().left + symbols.back().right) / 2.0;
  auto position = [&](double x) {  // in pitches from the first symbol's centre
    if (!local || local->At(first) <= 0 || local->At(last) <= 0) return (x - first) / pitch;
    if (std::abs(local->m) < 1e-9) return (x - first) / local->c;
    return std::log(local->At(x) / local->At(first)) / local->m;
  };
  const double span = position(last);
  const double to_slots = span > 0 ? (length - 1) / span : 1.0 / pitch;
  for (const OcrSymbol& s : symbols) {
    const double centre = (s.left + s.right) / 2.0;
    const int slot =
        std::clamp(static_cast<int>(std::lround(position(centre) * to_slots)), 0, length - 1);
    auto& dst = slots[static_cast<std::size_t>(slot)];
    if (dst.empty() || dst.front().confidence < s.choices.front().confidence) {
      dst = s.choices;
      origin[static_cast<std::size_t>(slot)] = &s;
    }
  }
  for (auto& slot : slots) {
    if (slot.empty())
      slot.push_back({'<', 0.05f});  // nothing read here: most likely a faint filler
  }
  return slots;
}

// The repair compares its reading with the candidates it was given, in
// which a glyph cue may already have put another character first. Against
// what Tesseract read, a cue's change is a repair too: listed with the cue as
// its reason, or as the `from` of a later repair at the same position; one
// the repair undid is no change at all.
void ReportCues(const std::vector<std::vector<const OcrSymbol*>>& origins,
                mrz::RepairResult& result) {
  auto& repairs = result.repairs;
  for (std::size_t l = 0; l < origins.size(); ++l) {
    for (std::size_t p = 0; p < origins[l].size(); ++p) {
      const OcrSymbol* o = origins[l][p];
      if (o == nullptr || o->cue == nullptr) continue;
      const int line = static_cast<int>(l) + 1, position = static_cast<int>(p) + 1;
      const char chosen = result.lines[l][p];
      auto it = std::find_if(repairs.begin(), repairs.end(), [&](const mrz::CharRepair& r) {
        return r.line == line && r.position == position;
      });
      if (chosen == o->read) {
        if (it != repairs.end()) repairs.erase(it);
      } else if (it != repairs.end()) {
        it->from = o->read;
      } else {
        repairs.push_back(
            {line, position, o->read, chosen, mrz::FieldAt(result.format, line, position), o->cue});
      }
    }
  }
  std::sort(repairs.begin(), repairs.end(), [](const mrz::CharRepair& a, const mrz::CharRepair& b) {
    return std::tie(a.line, a.position) < std::tie(b.line, b.position);
  });
}

struct Attempt {
  bool ok = false;
  bool lines = false;  // the band split into 2 or 3 lines (either way up alike)
  MrzImageReading reading;
  double quality = 0;
};

}  // namespace

struct MrzReader::Impl {
  ReaderOptions options;

  Attempt ReadBand(const cv::Mat& gray, const cv::RotatedRect& full_rect, bool flip) const {
    Attempt a;
    double angle = 0;
    const cv::Mat band = Deshear(Straighten(gray, full_rect, flip, angle));
    if (const char* debug = std::getenv("TDV_VISION_DEBUG_DIR")) {
      static std::atomic<int> n{0};
      cv::imwrite(std::string(debug) + "/band" + std::to_string(n++) + ".png", band);
    }
    const std::vector<LineImage> lines = SegmentLines(band);
    if (lines.size() < 2 || lines.size() > 3) return a;
    a.lines = true;
    tesseract::TessBaseAPI* api = ThreadEngine(options.model_dir);
    if (api == nullptr) return a;
    std::vector<std::vector<OcrSymbol>> symbols;
    std::vector<float> conf;
    std::size_t total = 0;
    for (const LineImage& l : lines) {
      float c = 0;
      symbols.push_back(Recognise(*api, l.pixels, c));
      ApplyHeightCue(symbols.back());
      ApplyShapeCue(symbols.back(), l.pixels);
      conf.push_back(c);
      total += symbols.back().size();
    }
    // The layout: 3 lines of 30, or 2 lines of 36 or 44 (nearest).
    int length = 30;
    if (lines.size() == 2) length = total > 80 ? 44 : 36;
    std::vector<mrz::LineCandidates> candidates;
    std::vector<std::vector<const OcrSymbol*>> origins(symbols.size());
    for (std::size_t i = 0; i < symbols.size(); ++i) {
      const auto& s = symbols[i];
      if (std::abs(static_cast<int>(s.size()) - length) > length / 4) return a;  // not an MRZ line
      candidates.push_back(ToSlots(s, length, origins[i]));
    }
    auto repaired = mrz::RepairMrz(candidates);
    if (!repaired) return a;
    ReportCues(origins, *repaired);
    a.reading.repair = *repaired;
    a.reading.lines = repaired->lines;
    for (std::size_t i = 0; i < candidates.size(); ++i) {
      std::string raw;
      for (std::size_t p = 0; p < candidates[i].size(); ++p) {
        const OcrSymbol* o = origins[i][p];
        raw.push_back(o != nullptr ? o->read : candidates[i][p].front().ch);
      }
      a.reading.raw_lines.push_back(raw);
    }
    a.reading.line_confidence = conf;
    a.reading.rotation_degrees = static_cast<int>(std::lround(-angle)) % 360;
    cv::Point2f pts[4];
    full_rect.points(pts);
    for (int i = 0; i < 4; ++i)
      a.reading.polygon[static_cast<std::size_t>(i)] = {pts[i].x, pts[i].y};
    double mean = 0;
    for (float c : conf) mean += c;
    a.quality = (repaired->checks_satisfied ? 10.0 : 0.0) + mean / double(conf.size());
    a.ok = true;
    return a;
  }
};

MrzReader::MrzReader(ReaderOptions options) : impl_(std::make_unique<Impl>()) {
  impl_->options = std::move(options);
}
MrzReader::~MrzReader() = default;

Result<std::unique_ptr<MrzReader>> MrzReader::Create(const ReaderOptions& options) {
  const auto model = std::filesystem::path(options.model_dir) / "mrz.traineddata";
  std::error_code ec;
  if (!std::filesystem::is_regular_file(model, ec)) {
    return Error{ErrorCode::kUnavailable, "the MRZ model " + model.string() + " is missing"};
  }
  std::unique_ptr<MrzReader> reader(new MrzReader(options));
  // Load it once here, so that a broken model fails at start-up.
  if (ThreadEngine(options.model_dir) == nullptr) {
    return Error{ErrorCode::kUnavailable, "Tesseract cannot load " + model.string()};
  }
  cv::setNumThreads(1);  // requests run in parallel already
  return reader;
}

Result<MrzImageReading> MrzReader::Read(std::span<const std::uint8_t> file) const {
  const auto t0 = Clock::now();
  const ReaderOptions& o = impl_->options;
  auto decoded = DecodeGray(file, o.max_file_bytes, o.max_pixels);
  if (!decoded) return decoded.error();
  cv::Mat gray = std::move(*decoded);
  const auto t1 = Clock::now();

  const double scale = double(kWorkSide) / std::max(gray.cols, gray.rows);
  cv::Mat work;
  if (scale < 1) {
    cv::resize(gray, work, cv::Size(), scale, scale, cv::INTER_AREA);
  } else {
    work = gray;
  }
  const double s = std::min(scale, 1.0);
  std::vector<Band> bands = FindBands(work);
  const auto t2 = Clock::now();

  Attempt best;
  for (const Band& b : bands) {
    const cv::RotatedRect full(
        b.rect.center / s, cv::Size2f(b.rect.size.width / float(s), b.rect.size.height / float(s)),
        b.rect.angle);
    for (bool flip : {false, true}) {
      Attempt a = impl_->ReadBand(gray, full, flip);
      const bool lines = a.lines;
      if (a.ok && a.quality > best.quality) best = std::move(a);
      if (best.ok && best.reading.repair.checks_satisfied) break;
      // No text lines one way up: none the other way either.
      if (!lines) break;
    }
    if (best.ok && best.reading.repair.checks_satisfied) break;
  }
  const auto t3 = Clock::now();
  if (!best.ok) return Error{ErrorCode::kNotFound, "no MRZ found in the image"};
  best.reading.image_width = gray.cols;
  best.reading.image_height = gray.rows;
  best.reading.decode_ms = Ms(t0, t1);
  best.reading.locate_ms = Ms(t1, t2);
  best.reading.ocr_ms = Ms(t2, t3);
  return std::move(best.reading);
}

}  // namespace tdv::vision
