// SPDX-License-Identifier: Apache-2.0
// Stage 1 of the MRZ reader: where on the page the MRZ may be.
#include "mrz_locate.h"

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <opencv2/imgcodecs.hpp>
#include <opencv2/imgproc.hpp>
#include <optional>
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

namespace {

// One ink shape of character size, in coordinates where the text runs along
// x (the page's own, or transposed for a zone printed upright).
struct Piece {
  cv::Rect box;
  double cx() const { return box.x + box.width / 2.0; }
  double cy() const { return box.y + box.height / 2.0; }
};

// Pieces whose successor in reading order is next at the MRZ's pitch: each
// piece's nearest right neighbour of comparable size on the same row. A
// run of `<` merged into one wide shape is a piece too; its height keeps it
// on the row.
std::vector<std::vector<const Piece*>> Chains(std::vector<Piece>& pieces) {
  std::sort(pieces.begin(), pieces.end(),
            [](const Piece& a, const Piece& b) { return a.box.x < b.box.x; });
  const std::size_t n = pieces.size();
  std::vector<int> next(n, -1), prev(n, -1);
  std::vector<double> prev_gap(n, 0);
  for (std::size_t i = 0; i < n; ++i) {
    const Piece& a = pieces[i];
    double best = 1e9;
    int pick = -1;
    for (std::size_t j = i + 1; j < n; ++j) {
      const Piece& b = pieces[j];
      const double h = std::max(a.box.height, b.box.height);
      const double gap = b.box.x - (a.box.x + a.box.width);
      if (gap > 1.0 * h) {
        if (b.box.x > a.box.x + a.box.width + 2 * a.box.height) break;  // sorted by x
        continue;
      }
      if (gap < -0.15 * h) continue;
      if (std::abs(b.cy() - a.cy()) > 0.4 * h) continue;
      if (2.5 * std::min(a.box.height, b.box.height) < h) continue;
      if (gap < best) {
        best = gap;
        pick = static_cast<int>(j);
      }
    }
    if (pick < 0) continue;
    const auto j = static_cast<std::size_t>(pick);
    if (prev[j] >= 0) {
      if (prev_gap[j] <= best) continue;
      next[static_cast<std::size_t>(prev[j])] = -1;
    }
    next[i] = pick;
    prev[j] = static_cast<int>(i);
    prev_gap[j] = best;
  }
  std::vector<std::vector<const Piece*>> chains;
  for (std::size_t i = 0; i < n; ++i) {
    if (prev[i] >= 0 || next[i] < 0) continue;
    std::vector<const Piece*> chain;
    for (int k = static_cast<int>(i); k >= 0; k = next[static_cast<std::size_t>(k)])
      chain.push_back(&pieces[static_cast<std::size_t>(k)]);
    chains.push_back(std::move(chain));
  }
  return chains;
}

double MedianHeight(const std::vector<const Piece*>& chain) {
  std::vector<int> h;
  for (const Piece* p : chain) h.push_back(p->box.height);
  std::nth_element(h.begin(), h.begin() + static_cast<std::ptrdiff_t>(h.size() / 2), h.end());
  return h[h.size() / 2];
}

// Chains on one row with a break between them (a character touching the
// print behind it, a smudge, a stamp over up to some seven glyphs: a break
// of eight glyph heights at most) joined: the row's extent is the whole
// line. A round stamp over a small photo's zone breaks every line at once,
// so that no whole line stands beside the pieces (RowsBesideRows); at four
// heights, generated world pages lost their zone so (seeds 4242 / 4343: not
// found 10 / 8 -> 5 / 7; hard and mixed sets and the devset unchanged).
std::vector<std::vector<const Piece*>> JoinBroken(std::vector<std::vector<const Piece*>> chains) {
  std::sort(chains.begin(), chains.end(),
            [](const auto& a, const auto& b) { return a.front()->box.x < b.front()->box.x; });
  std::vector<std::vector<const Piece*>> rows;
  std::vector<double> heights;
  for (auto& chain : chains) {
    const double h = MedianHeight(chain);
    bool joined = false;
    for (std::size_t r = 0; r < rows.size() && !joined; ++r) {
      const Piece& last = *rows[r].back();
      const Piece& first = *chain.front();
      const double gap = first.box.x - (last.box.x + last.box.width);
      const double hr = std::max(h, heights[r]);
      if (gap < -0.2 * hr || gap > 8 * hr || std::abs(first.cy() - last.cy()) > 0.5 * hr ||
          std::min(h, heights[r]) < hr / 1.5)
        continue;
      rows[r].insert(rows[r].end(), chain.begin(), chain.end());
      heights[r] = MedianHeight(rows[r]);
      joined = true;
    }
    if (!joined) {
      rows.push_back(std::move(chain));
      heights.push_back(h);
    }
  }
  return rows;
}

// A row of glyphs long enough to be an MRZ line: its letter height (the
// tall pieces; `<` are shorter), centre line and extent.
struct Row {
  std::vector<const Piece*> pieces;
  double height = 0, x0 = 0, x1 = 0;
  double x = 0, y = 0;  // the pieces' mean centre
  double slope = 0;     // dy / dx along the row
  double YAt(double at) const { return y + slope * (at - x); }
};

std::optional<Row> MakeRow(std::vector<const Piece*> chain) {
  // 30 symbols at the least; a run of `<` may be one piece, so fewer pieces.
  if (chain.size() < 12) return std::nullopt;
  std::vector<int> heights;
  for (const Piece* p : chain) heights.push_back(p->box.height);
  std::sort(heights.begin(), heights.end());
  Row r;
  r.height = heights[heights.size() * 4 / 5];
  r.x0 = chain.front()->box.x;
  r.x1 = chain.back()->box.x + chain.back()->box.width;
  if (r.x1 - r.x0 < 15 * r.height || r.x1 - r.x0 > 60 * r.height) return std::nullopt;
  double x = 0, y = 0;
  for (const Piece* p : chain) {
    x += p->cx();
    y += p->cy();
  }
  r.x = x / double(chain.size());
  r.y = y / double(chain.size());
  // The row's slope, fitted to its pieces' centres: a page turned a degree
  // or two moves a line's ends apart by more than half a glyph.
  double sxx = 0, sxy = 0;
  for (const Piece* p : chain) {
    sxx += (p->cx() - r.x) * (p->cx() - r.x);
    sxy += (p->cx() - r.x) * (p->cy() - r.y);
  }
  r.slope = sxx > 0 ? std::clamp(sxy / sxx, -0.1, 0.1) : 0.0;
  r.pieces = std::move(chain);
  return r;
}

// Two rows of one MRZ: the same letter height, one under the other at a
// line spacing, of similar extent.
bool Stacked(const Row& a, const Row& b) {
  const double h = std::max(a.height, b.height);
  if (std::min(a.height, b.height) < 0.75 * h) return false;
  const double dy = std::abs(b.y - a.y);
  if (dy < 1.2 * h || dy > 2.8 * h) return false;
  // A row may be found in part (its start lost in the print behind it):
  // the shorter lies over the longer and is at least half as long.
  const double overlap = std::min(a.x1, b.x1) - std::max(a.x0, b.x0);
  const double shorter = std::min(a.x1 - a.x0, b.x1 - b.x0),
               longer = std::max(a.x1 - a.x0, b.x1 - b.x0);
  return overlap > 0.8 * shorter && shorter > 0.5 * longer;
}

// A line broken into pieces of rows by print behind it (a watermark's
// letters merging with its glyphs over a stretch longer than JoinBroken
// bridges, a stamp across it) is whole where a row stacked on it is: two or
// more chains of one height on one line at line spacing beside a row (short
// ones, or rows themselves), together spanning most of that row's extent,
// are a row too.
std::vector<Row> RowsBesideRows(const std::vector<Row>& rows,
                                const std::vector<std::vector<const Piece*>>& chains) {
  std::vector<Row> found;
  for (const Row& row : rows) {
    for (double side : {-1.0, 1.0}) {
      std::vector<const Piece*> beside;
      double y = 0;
      std::size_t n = 0, joined = 0;
      for (const auto& chain : chains) {
        const double h = MedianHeight(chain);
        // Across from the row where the chain stands (the row's slope out).
        double cy = 0;
        for (const Piece* p : chain) cy += p->cy() - row.YAt(p->cx());
        cy /= double(chain.size());
        const double dy = cy * side;
        if (std::abs(h - row.height) > 0.25 * row.height || dy < 1.2 * row.height ||
            dy > 2.8 * row.height)
          continue;
        if (chain.front()->box.x < row.x0 - row.height ||
            chain.back()->box.x + chain.back()->box.width > row.x1 + row.height)
          continue;
        // One line: near the chains taken so far.
        if (n > 0 && std::abs(cy - y / double(n)) > 0.5 * row.height) continue;
        beside.insert(beside.end(), chain.begin(), chain.end());
        y += cy * double(chain.size());
        n += chain.size();
        ++joined;
      }
      if (joined < 2) continue;  // a row found whole is there already
      std::sort(beside.begin(), beside.end(),
                [](const Piece* a, const Piece* b) { return a->box.x < b->box.x; });
      double covered = 0;  // of the row's extent, by the chains' pieces
      for (const Piece* p : beside) covered += p->box.width;
      const double extent = beside.back()->box.x + beside.back()->box.width - beside.front()->box.x;
      if (extent < 0.8 * (row.x1 - row.x0) || covered < 0.4 * extent) continue;
      if (auto r = MakeRow(std::move(beside))) found.push_back(std::move(*r));
    }
  }
  return found;
}

}  // namespace

// MRZ lines found from their characters: shapes of one height in rows at a
// fixed pitch, whatever a closing would make of them (lines that no closing
// size merges or keeps apart, a zone running into the page's edge, print
// over a busy background). Rows stacked two or three at line spacing make a
// band; upright zones are found in the transposed page.
std::vector<Band> FindGlyphRows(const cv::Mat& work) {
  const int side = std::min(work.cols, work.rows);
  const int block = std::max(15, side / 16) | 1;
  cv::Mat bin;
  cv::adaptiveThreshold(work, bin, 255, cv::ADAPTIVE_THRESH_MEAN_C, cv::THRESH_BINARY_INV, block,
                        12);
  cv::Mat labels, stats, centroids;
  const int n = cv::connectedComponentsWithStats(bin, labels, stats, centroids, 8, CV_32S);
  std::vector<Band> bands;
  for (bool upright : {false, true}) {
    std::vector<Piece> pieces;
    for (int c = 1; c < n; ++c) {
      cv::Rect box(stats.at<int>(c, cv::CC_STAT_LEFT), stats.at<int>(c, cv::CC_STAT_TOP),
                   stats.at<int>(c, cv::CC_STAT_WIDTH), stats.at<int>(c, cv::CC_STAT_HEIGHT));
      if (upright) box = cv::Rect(box.y, box.x, box.height, box.width);
      if (box.height < 5 || box.height > side / 8) continue;
      if (stats.at<int>(c, cv::CC_STAT_AREA) < 0.12 * box.area()) continue;
      pieces.push_back({box});
    }
    std::vector<Row> rows;
    std::vector<std::vector<const Piece*>> chains;  // rows and chains too short for one
    for (auto& chain : JoinBroken(Chains(pieces))) {
      if (auto row = MakeRow(chain)) rows.push_back(std::move(*row));
      if (chain.size() >= 3) chains.push_back(std::move(chain));
    }
    for (Row& row : RowsBesideRows(rows, chains)) rows.push_back(std::move(row));
    std::sort(rows.begin(), rows.end(), [](const Row& a, const Row& b) { return a.y < b.y; });
    if (std::getenv("TDV_VISION_DEBUG_DIR") != nullptr) {
      for (const Row& r : rows)
        std::fprintf(stderr, "glyph row%s: y %.0f x %.0f-%.0f height %.0f, %zu pieces\n",
                     upright ? " (upright)" : "", r.y, r.x0, r.x1, r.height, r.pieces.size());
    }
    const auto band = [&](std::initializer_list<const Row*> members) {
      std::vector<cv::Point2f> points;
      std::size_t count = 0;
      for (const Row* r : members) {
        for (const Piece* p : r->pieces) {
          for (const cv::Point& q : {p->box.tl(), p->box.br()}) {
            points.emplace_back(upright ? cv::Point2f(float(q.y), float(q.x))
                                        : cv::Point2f(float(q.x), float(q.y)));
          }
        }
        count += r->pieces.size();
      }
      bands.push_back({cv::minAreaRect(points), double(count)});
    };
    for (std::size_t i = 0; i + 1 < rows.size(); ++i) {
      // The next row below that is stacked on this one (rows in between
      // belong to something else only if they are not stacked).
      for (std::size_t j = i + 1; j < rows.size() && rows[j].y - rows[i].y < 3 * rows[i].height;
           ++j) {
        if (!Stacked(rows[i], rows[j])) continue;
        band({&rows[i], &rows[j]});
        for (std::size_t m = j + 1; m < rows.size() && rows[m].y - rows[j].y < 3 * rows[j].height;
             ++m) {
          if (Stacked(rows[j], rows[m])) band({&rows[i], &rows[j], &rows[m]});
        }
      }
    }
  }
  std::sort(bands.begin(), bands.end(),
            [](const Band& a, const Band& b) { return a.score > b.score; });
  if (bands.size() > 2) bands.resize(2);
  return bands;
}

}  // namespace tdv::vision::internal
