// SPDX-License-Identifier: Apache-2.0
// Stage 2 of the MRZ reader: a candidate band turned flat and cut into
// text lines scaled for the classifier.
#include "mrz_lines.h"

#include <algorithm>
#include <atomic>
#include <cmath>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <opencv2/imgcodecs.hpp>
#include <opencv2/imgproc.hpp>
#include <optional>
#include <string>

namespace tdv::vision::internal {
namespace {

constexpr int kLineHeight = 40;  // ink height (px) lines are scaled to for OCR
constexpr int kSmallBand = 80;   // bands fewer rows high have strokes of a pixel

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

// `box` (a line's ink) grown by each of `pieces` that stands at most
// `reach` from it along the line, the line grown by the pieces taken so far
// (print over glyphs side by side); which pieces it took.
std::vector<bool> GrowAlong(cv::Rect& box, const std::vector<cv::Rect>& pieces, double reach) {
  std::vector<bool> taken(pieces.size(), false);
  for (bool grew = true; grew;) {
    grew = false;
    for (std::size_t k = 0; k < pieces.size(); ++k) {
      const cv::Rect& p = pieces[k];
      const int gap = std::max({box.x - (p.x + p.width), p.x - (box.x + box.width), 0});
      if (!taken[k] && p.area() > 0 && gap <= reach) {
        box |= p;
        taken[k] = grew = true;
      }
    }
  }
  return taken;
}

}  // namespace

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
  // Lengthwise the band gets half its height more at either end (one and
  // a half to two character pitches): a zone found a glyph short, its
  // narrow first `I` or last `<` left out of the blob, is cut whole; the
  // line crops keep to the ink found in the line's own rows.
  const cv::Size out(static_cast<int>(L * 1.06 + S + 8), static_cast<int>(S * 1.5 + 8));
  // Beyond the image's edge lies paper: a zone cut close by the edge (a
  // scan of the MRZ alone, a page cropped at its last line) must not have
  // its edge row of ink repeated into streaks that read as `S` and `1`.
  const cv::Rect inside = r.boundingRect() & cv::Rect(0, 0, gray.cols, gray.rows);
  const double paper = inside.area() > 0 ? Paper(gray(inside)) : 255.0;
  auto warp = [&](double a, cv::InterpolationFlags interpolation) {
    cv::Mat m = cv::getRotationMatrix2D(r.center, a, 1.0);
    m.at<double>(0, 2) += out.width / 2.0 - r.center.x;
    m.at<double>(1, 2) += out.height / 2.0 - r.center.y;
    cv::Mat band;
    cv::warpAffine(gray, band, m, out, interpolation, cv::BORDER_CONSTANT, cv::Scalar(paper));
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
namespace {

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

}  // namespace

// Rows of ink in the straightened band -> 2 or 3 text lines.
std::vector<LineImage> SegmentLines(const cv::Mat& band) {
  cv::Mat flat = Flatten(band), norm, bin;
  cv::normalize(flat, norm, 0, 255, cv::NORM_MINMAX);
  double threshold = cv::threshold(norm, bin, 0, 255, cv::THRESH_BINARY_INV | cv::THRESH_OTSU);
  // The page beyond a document's edge, dark along the band's top or bottom
  // across most of its width, is darker than any print: the threshold then
  // falls between it and everything else, and pale thin print is lost
  // with the paper. It is made paper and the threshold taken again.
  {
    cv::Mat labels, stats, centroids;
    const int n = cv::connectedComponentsWithStats(bin, labels, stats, centroids, 8);
    bool beyond = false;
    for (int c = 1; c < n; ++c) {
      const int top = stats.at<int>(c, cv::CC_STAT_TOP),
                height = stats.at<int>(c, cv::CC_STAT_HEIGHT);
      if (stats.at<int>(c, cv::CC_STAT_WIDTH) > bin.cols / 2 &&
          (top == 0 || top + height == bin.rows)) {
        flat.setTo(255, labels == c);
        beyond = true;
      }
    }
    if (beyond) {
      cv::normalize(flat, norm, 0, 255, cv::NORM_MINMAX);
      threshold = cv::threshold(norm, bin, 0, 255, cv::THRESH_BINARY_INV | cv::THRESH_OTSU);
    }
  }
  const double paper = Paper(norm);
  // Pale print (a ribbon running dry, light falling off across a photo)
  // is lighter than the threshold dark print sets: its glyphs fall apart
  // into specks. Under a softer threshold, halfway from it to the paper,
  // they stay whole; glyph-sized pieces of that ink extend a line's extent
  // (below), nothing else.
  cv::Mat soft;
  cv::threshold(norm, soft, (threshold + paper) / 2, 255, cv::THRESH_BINARY_INV);
  // Specks of a pixel go, but not in a small band (lines of some 15 px and
  // less), where a stroke is a pixel wide: a pale glyph went in pieces,
  // its ink no longer a line's (hard generated sets keep 100 % without the
  // clean-up up to bands of 100 rows; world pages: valid-but-wrong 6/4 -> 1/1).
  if (band.rows >= kSmallBand)
    cv::morphologyEx(bin, bin, cv::MORPH_OPEN, cv::getStructuringElement(cv::MORPH_RECT, {2, 2}));
  // Ink that runs most of the band's height is no glyph (a band holds two
  // or three lines): the dark page beyond a card's edge, a frame line. It
  // would lift every row it crosses (the last line and the rows below it
  // made one run) and, cut into a line's rows, be read as a symbol at the
  // line's end. It counts in no profile or extent and is painted out.
  cv::Mat tall = cv::Mat::zeros(bin.size(), CV_8U);
  // A stamp's ring across the zone, or a ring drawn round it, is a thin
  // curve, wide and mostly empty. Painted out whole it took every glyph it
  // touches with it; it counts in no profile or extent either, but in a
  // line's crop only its rows beyond the line's are painted out (where it
  // crosses a line it stays, as a mark the recogniser has learned to see
  // past).
  cv::Mat ring = cv::Mat::zeros(bin.size(), CV_8U);
  {
    cv::Mat labels, stats, centroids;
    const int n = cv::connectedComponentsWithStats(bin, labels, stats, centroids, 8);
    for (int c = 1; c < n; ++c) {
      const int height = stats.at<int>(c, cv::CC_STAT_HEIGHT),
                width = stats.at<int>(c, cv::CC_STAT_WIDTH);
      if (height <= 0.6 * bin.rows) continue;
      const bool curve =
          width > height / 2 && stats.at<int>(c, cv::CC_STAT_AREA) < 0.15 * width * height;
      (curve ? ring : tall).setTo(255, labels == c);
    }
  }
  bin.setTo(0, tall);
  bin.setTo(0, ring);
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
  // Keep runs of text height: within 50% of the tallest, each run measured
  // by its core, the rows from the first to the last with a quarter of the
  // run's most ink. A stamp's or security print's thin strokes above a line
  // join its run with rows of a sixth of its ink: measured whole, that run
  // came out twice the height of the next line, which was then dropped (or
  // not, a row either way: a page and the same page turned read apart).
  const auto core = [&rows](std::pair<int, int> run) {
    const auto [a, b] = run;
    const double most = *std::max_element(rows.begin() + a, rows.begin() + b);
    int first = a, last = b - 1;
    while (rows[static_cast<std::size_t>(first)] < 0.25 * most) ++first;
    while (rows[static_cast<std::size_t>(last)] < 0.25 * most) --last;
    return last - first + 1;
  };
  int tallest = 0;
  for (const auto& run : runs) tallest = std::max(tallest, core(run));
  std::vector<std::pair<int, int>> lines;
  for (const auto& run : runs) {
    if (core(run) >= tallest / 2) lines.emplace_back(run);
  }
  std::vector<LineImage> out;
  for (std::size_t i = 0; i < lines.size(); ++i) {
    const auto [a, b] = lines[i];
    const int h = b - a, pad = std::max(3, h / 3);
    // The padding stops halfway to the next line: ink of a neighbouring line
    // at the crop's edge turns the legacy classifier's "I<" into "25". So it
    // does before a rule or a card's edge that stands clear of the line (a
    // few rows of it under a line break the classifier's segmentation:
    // "0053..." read as 48 symbols of junk); ink that nearly touches the
    // line may be its own (the tops of its glyphs) and is left in.
    int above = i > 0 ? (lines[i - 1].second + a) / 2 : 0;
    int below = i + 1 < lines.size() ? (b + lines[i + 1].first + 1) / 2 : band.rows;
    for (auto [ra, rb] : runs) {
      if (rb <= a - pad / 2) above = std::max(above, (rb + a) / 2);
      if (ra >= b + pad / 2) below = std::min(below, (b + ra + 1) / 2);
    }
    const int y0 = std::max(above, a - pad), y1 = std::min(below, b + pad);
    // Pieces of a neighbouring line that reach into the line's rows (a slant
    // the deskew left, perspective), and bars taller than any character (a
    // card's edge, a frame line crossing the band), are not the line's ink:
    // they neither widen its extent nor stay in the crop.
    const cv::Range ys(y0, y1);
    cv::Mat labels, stats, centroids;
    const int n = cv::connectedComponentsWithStats(bin.rowRange(ys), labels, stats, centroids, 8);
    cv::Mat stray = tall.rowRange(ys).clone();
    {
      cv::Mat beyond = ring.rowRange(ys).clone();
      beyond.rowRange(std::max(0, a - 1 - y0), std::min(y1 - y0, b + 1 - y0)).setTo(0);
      stray |= beyond;
    }
    std::vector<cv::Point> ink;
    std::vector<std::pair<int, cv::Rect>> touching;  // a component, its part in the line's rows
    for (int c = 1; c < n; ++c) {
      const int top = stats.at<int>(c, cv::CC_STAT_TOP),
                height = stats.at<int>(c, cv::CC_STAT_HEIGHT);
      const double centre = y0 + top + height / 2.0;
      // A bar: taller than any character, or crossing the whole crop where
      // the crop was cut short by a neighbour.
      const bool bar = height > 1.6 * h || (top == 0 && height == y1 - y0 && height > 1.15 * h);
      const int left = stats.at<int>(c, cv::CC_STAT_LEFT),
                width = stats.at<int>(c, cv::CC_STAT_WIDTH);
      // A glyph touching a mark above or below it (print beside the zone, a
      // stamp's stroke): too tall for a character, no wider than two glyphs.
      // Painted out whole it took the glyph with it (a first `I` lost under
      // vertical print); so only its rows beyond the line's are, and what
      // is left in the line's rows stays if it continues the line (below).
      if (bar && centre >= a && centre < b && width <= 2 * h) {
        const int k0 = std::max(0, a - 1 - y0), k1 = std::min(y1 - y0, b + 1 - y0);
        const cv::Mat part = labels == c;
        cv::Mat beyond = part.clone();
        beyond.rowRange(k0, k1).setTo(0);
        stray.setTo(255, beyond);
        cv::Rect kept = cv::boundingRect(part.rowRange(k0, k1));
        kept.y += k0;
        touching.emplace_back(c, kept);
      } else if (centre < a || centre >= b || bar) {
        stray.setTo(255, labels == c);
      } else if (5 * std::max(width, height) >= h) {
        // A speck (a fifth of the line height either way; the smallest
        // symbol, `<`, is half of it) stays but does not widen the line.
        ink.emplace_back(left, top);
        ink.emplace_back(left + width - 1, top + height - 1);
      }
    }
    if (ink.empty()) continue;
    cv::Rect box = cv::boundingRect(ink);
    // A piece of a mark joins the line only where it stands as near the
    // line's ink as neighbouring glyphs stand to each other (at most 0.6 of
    // the line height apart on generated lines; 0.8 leaves room for wider
    // pitches), the line grown by the pieces joined so far (a stamp over
    // two glyphs side by side): print beside the zone's end, a pitch or
    // more away, is not read as a symbol.
    std::vector<cv::Rect> kept;
    for (const auto& t : touching) kept.push_back(t.second);
    const std::vector<bool> joined = GrowAlong(box, kept, 0.8 * h);
    for (std::size_t k = 0; k < touching.size(); ++k) {
      if (!joined[k]) stray.setTo(255, labels == touching[k].first);
    }
    // Pale glyphs the line continues into (see `soft`): a piece of the soft
    // ink in the line's rows, of a glyph's size (from a `<`, under half the
    // line height, to a glyph a little taller than the line found; no wider
    // than a glyph and a half), extends the line as the pieces of a mark do
    // above: a pale `I<NOR` before the dark rest of a line was cut off the
    // line's crop.
    {
      // Neither a mark's nor a ring's: a ring's curve beside the line's
      // first glyph, cut to the line's rows, is a glyph's size too.
      cv::Mat marks = stray | tall.rowRange(ys) | ring.rowRange(ys);
      cv::dilate(marks, marks, cv::getStructuringElement(cv::MORPH_RECT, {3, 3}));
      cv::Mat pale = soft.rowRange(ys) & ~marks;
      cv::Mat pale_labels, pale_stats, pale_centroids;
      const int m =
          cv::connectedComponentsWithStats(pale, pale_labels, pale_stats, pale_centroids, 8);
      std::vector<cv::Rect> glyphs;
      for (int c = 1; c < m; ++c) {
        const cv::Rect r(
            pale_stats.at<int>(c, cv::CC_STAT_LEFT), pale_stats.at<int>(c, cv::CC_STAT_TOP),
            pale_stats.at<int>(c, cv::CC_STAT_WIDTH), pale_stats.at<int>(c, cv::CC_STAT_HEIGHT));
        const double centre = y0 + r.y + r.height / 2.0;
        if (centre >= a && centre < b && r.height >= 0.4 * h && r.height <= 1.3 * h &&
            r.width <= 1.5 * h)
          glyphs.push_back(r);
      }
      (void)GrowAlong(box, glyphs, 0.8 * h);
    }
    const int x0 = std::max(0, box.x - pad), x1 = std::min(band.cols, box.x + box.width + pad);
    const cv::Range xs(x0, x1);
    cv::Mat crop = norm(ys, xs).clone();
    stray = stray.colRange(xs).clone();
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
    // Ink within a quarter of the line height of the band's end has no
    // paper beyond it in the band (Straighten leaves half the band's
    // height): the zone goes on past the end.
    const int near = h / 4 + 1;
    out.push_back(
        {scaled, double(x0), scale, box.x < near || box.x + box.width > band.cols - near});
  }
  return out;
}

}  // namespace tdv::vision::internal
