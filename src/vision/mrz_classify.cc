// SPDX-License-Identifier: Apache-2.0
// Stage 3 of the MRZ reader: Tesseract's symbols and their alternatives,
// corrected by what the glyphs themselves show, placed in fixed-pitch slots.
#include "mrz_classify.h"

#include <leptonica/allheaders.h>
#include <tesseract/baseapi.h>
#include <tesseract/resultiterator.h>

#include <algorithm>
#include <atomic>
#include <cmath>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <map>
#include <memory>
#include <opencv2/imgcodecs.hpp>
#include <opencv2/imgproc.hpp>
#include <optional>
#include <span>
#include <string>
#include <string_view>

#include "mrz_glyphs.h"

namespace tdv::vision::internal {
namespace {

constexpr const char* kAlphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789<";

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
}  // namespace

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
    // No learning from one page to the next: a reading must not depend on
    // the requests a worker served before (the legacy engine adapts its
    // templates to what it has read unless told not to).
    fresh->SetVariable("classify_enable_learning", "0");
    fresh->SetVariable("classify_enable_adaptive_matcher", "0");
    fresh->SetPageSegMode(tesseract::PSM_SINGLE_LINE);
    api = std::move(fresh);
  }
  return api.get();
}

std::vector<OcrSymbol> Recognise(tesseract::TessBaseAPI& api, const cv::Mat& line,
                                 float& confidence) {
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
    if (const char* debug = std::getenv("TDV_VISION_DEBUG_DIR")) {
      if (std::FILE* f = std::fopen((std::string(debug) + "/choices.txt").c_str(), "a")) {
        for (const auto& c : s.choices) std::fprintf(f, "%c:%.2f ", c.ch, c.confidence);
        std::fprintf(f, "\n");
        std::fclose(f);
      }
    }
    out.push_back(std::move(s));
  } while (it->Next(tesseract::RIL_SYMBOL));
  confidence = out.empty() ? 0.0f : static_cast<float>(sum / double(out.size()));
  return out;
}

namespace {

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

}  // namespace

// OCR-B's digits are taller than its capitals (79 against 70 units; round
// capitals such as O overshoot to about 73), a difference between
// look-alikes (O/0, D/0, B/8, Z/2) that check digits often cannot
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
      {'O', '0'}, {'D', '0'}, {'B', '8'}, {'Z', '2'}};
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

namespace {

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

}  // namespace

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
namespace {

// The symbols without a speck at either end: the MRZ's characters follow one
// another at one pitch, so a symbol set apart from the next by more than one
// and a half times the median step is a mark beside the line (a card's edge,
// a scratch), and would stretch the slots if it anchored them.
std::vector<OcrSymbol> TrimEnds(std::vector<OcrSymbol> symbols) {
  auto centre = [&](std::size_t i) { return (symbols[i].left + symbols[i].right) / 2.0; };
  for (int pass = 0; pass < 2 && symbols.size() > 8; ++pass) {
    std::vector<double> steps;
    for (std::size_t i = 1; i < symbols.size(); ++i) steps.push_back(centre(i) - centre(i - 1));
    std::nth_element(steps.begin(), steps.begin() + static_cast<std::ptrdiff_t>(steps.size() / 2),
                     steps.end());
    const double step = steps[steps.size() / 2];
    const std::size_t n = symbols.size();
    if (centre(n - 1) - centre(n - 2) > 1.5 * step) symbols.pop_back();
    if (centre(1) - centre(0) > 1.5 * step) symbols.erase(symbols.begin());
  }
  return symbols;
}

}  // namespace

std::vector<int> AssignSlots(const std::vector<double>& where, const std::vector<float>& sure,
                             int length) {
  // cost[j][k]: the least cost of placing the first j symbols in the first
  // k slots; a symbol moved d slots from where it was read costs d * d, one
  // left out kSlotDrop times its confidence, an empty slot nothing.
  const std::size_t n = where.size(), slots = static_cast<std::size_t>(std::max(length, 0));
  enum Step : std::uint8_t { kEmpty, kPlaced, kDropped };
  std::vector<std::vector<double>> cost(n + 1, std::vector<double>(slots + 1, 0));
  std::vector<std::vector<Step>> step(n + 1, std::vector<Step>(slots + 1, kEmpty));
  for (std::size_t j = 1; j <= n; ++j) {
    cost[j][0] = cost[j - 1][0] + kSlotDrop * sure[j - 1];
    step[j][0] = kDropped;
    for (std::size_t k = 1; k <= slots; ++k) {
      const double d = where[j - 1] - double(k - 1);
      double best = cost[j - 1][k - 1] + d * d;
      Step how = kPlaced;
      if (cost[j][k - 1] < best) best = cost[j][k - 1], how = kEmpty;
      if (cost[j - 1][k] + kSlotDrop * sure[j - 1] < best)
        best = cost[j - 1][k] + kSlotDrop * sure[j - 1], how = kDropped;
      cost[j][k] = best;
      step[j][k] = how;
    }
  }
  std::vector<int> slot_of(n, -1);
  for (std::size_t j = n, k = slots; j > 0;) {
    switch (step[j][k]) {
      case kEmpty:
        --k;
        break;
      case kPlaced:
        slot_of[--j] = static_cast<int>(--k);
        break;
      case kDropped:
        --j;
        break;
    }
  }
  return slot_of;
}

std::optional<LineSpan> SpanOf(const std::vector<OcrSymbol>& symbols) {
  const std::vector<OcrSymbol> trimmed = TrimEnds(symbols);
  if (trimmed.size() < 2) return std::nullopt;
  auto centre = [&](std::size_t i) { return (trimmed[i].left + trimmed[i].right) / 2.0; };
  std::vector<double> steps;
  for (std::size_t i = 1; i < trimmed.size(); ++i) steps.push_back(centre(i) - centre(i - 1));
  std::nth_element(steps.begin(), steps.begin() + static_cast<std::ptrdiff_t>(steps.size() / 2),
                   steps.end());
  return LineSpan{centre(0), centre(trimmed.size() - 1), steps[steps.size() / 2]};
}

std::vector<std::optional<SlotEnds>> ZoneEnds(const std::vector<std::optional<LineSpan>>& spans,
                                              const std::vector<std::size_t>& counts, int length) {
  const std::size_t n = spans.size();
  std::vector<std::optional<SlotEnds>> out(n);
  std::vector<double> pitches;
  for (const auto& s : spans) {
    if (!s) return out;  // a line with nothing read: no zone to agree on
    pitches.push_back(s->pitch);
  }
  if (n < 2 || n > 3) return out;
  std::nth_element(pitches.begin(), pitches.begin() + static_cast<std::ptrdiff_t>(n / 2),
                   pitches.end());
  const double pitch = pitches[n / 2];
  if (pitch <= 0) return out;
  const auto len = static_cast<std::size_t>(std::max(length, 0));
  // One side: `at(i)` a line's own end there, `outward` +1 where further
  // out is further right. Writes the zone's end into the lines off it.
  const auto side = [&](auto at, auto set, double outward) {
    // Line i's end off `zone`, in pitches, within its reach.
    const auto off = [&](std::size_t i, double zone) {
      const double d = std::abs(at(i) - zone) / pitch;
      const double extra = counts[i] > len ? double(counts[i] - len) : 0.0;
      return d > kZoneEndOff && d < kZoneEndReach + extra;
    };
    const auto anchor = [&](std::size_t i, double where) {
      if (!out[i]) out[i] = SlotEnds{spans[i]->first, spans[i]->last};
      set(*out[i], where);
    };
    const auto anchor_off = [&](double zone) {
      for (std::size_t i = 0; i < n; ++i) {
        if (off(i, zone)) anchor(i, zone);
      }
    };
    // Lines read with as many symbols as slots, where they agree.
    std::vector<double> exact;
    for (std::size_t i = 0; i < n; ++i) {
      if (counts[i] == len) exact.push_back(at(i));
    }
    std::sort(exact.begin(), exact.end());
    if (!exact.empty() && exact.back() - exact.front() <= kZoneEndOff * pitch) {
      anchor_off(exact[exact.size() / 2]);
      return;
    }
    if (n == 3) {  // two of three agreeing
      std::vector<double> sorted = {at(0), at(1), at(2)};
      std::sort(sorted.begin(), sorted.end());
      const double median = sorted[1];
      int agree = 0;
      for (double x : sorted) agree += std::abs(x - median) <= kZoneEndOff * pitch;
      if (agree >= 2) anchor_off(median);
      return;
    }
    if (!off(0, at(1)) && !off(1, at(0))) return;
    // The line further out, and the one further in.
    const std::size_t outer = (at(1) - at(0)) * outward > 0 ? 1 : 0, inner = 1 - outer;
    if (counts[outer] > len) {
      anchor(outer, at(inner));  // a mark beyond the line read as symbols
    } else if (counts[inner] < len) {
      anchor(inner, at(outer));  // the line's end symbol not read
    }
  };
  side([&](std::size_t i) { return spans[i]->first; }, [](SlotEnds& e, double x) { e.first = x; },
       -1.0);
  side([&](std::size_t i) { return spans[i]->last; }, [](SlotEnds& e, double x) { e.last = x; },
       +1.0);
  return out;
}

mrz::LineCandidates ToSlots(const std::vector<OcrSymbol>& all, int length,
                            std::vector<const OcrSymbol*>& origin,
                            const std::optional<SlotEnds>& ends) {
  mrz::LineCandidates slots(static_cast<std::size_t>(length));
  origin.assign(static_cast<std::size_t>(length), nullptr);
  if (all.empty()) return slots;
  // Trimmed copies would not outlive the call: keep pointers into `all`.
  const std::vector<OcrSymbol> trimmed = TrimEnds(all);
  const std::ptrdiff_t skip =
      std::find_if(all.begin(), all.end(),
                   [&](const OcrSymbol& s) { return s.left == trimmed.front().left; }) -
      all.begin();
  const std::span<const OcrSymbol> symbols(all.data() + skip, trimmed.size());
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
  const double first = ends ? ends->first : (symbols.front().left + symbols.front().right) / 2.0,
               last = ends ? ends->last : (symbols.back().left + symbols.back().right) / 2.0;
  auto position = [&](double x) {  // in pitches from the first symbol's centre
    if (!local || local->At(first) <= 0 || local->At(last) <= 0) return (x - first) / pitch;
    if (std::abs(local->m) < 1e-9) return (x - first) / local->c;
    return std::log(local->At(x) / local->At(first)) / local->m;
  };
  const double span = position(last);
  const double to_slots = span > 0 ? (length - 1) / span : 1.0 / pitch;
  std::vector<double> where;  // each symbol's position in slots
  std::vector<float> sure;
  for (const OcrSymbol& s : symbols) {
    // Where the fitted pitch line gives no position (a mark far beyond the
    // ends under steep perspective), the symbol is set so far out that it
    // is left out.
    const double w = position((s.left + s.right) / 2.0) * to_slots;
    where.push_back(std::isfinite(w) ? w : -2.0 * length);
    sure.push_back(s.choices.front().confidence);
  }
  std::vector<int> slot_of = AssignSlots(where, sure, length);
  // As many symbols within the line's ends as slots: each is its slot, in
  // the order read. The positions of a recogniser's symbols wander by a
  // third of a pitch (a CTC column is about that), and a drift of half a
  // pitch along part of the line made the assignment drop a symbol there
  // and leave a slot empty further on.
  {
    std::vector<std::size_t> inside;
    for (std::size_t j = 0; j < where.size(); ++j) {
      if (where[j] > -0.5 && where[j] < length - 0.5) inside.push_back(j);
    }
    if (inside.size() == static_cast<std::size_t>(length)) {
      std::fill(slot_of.begin(), slot_of.end(), -1);
      for (std::size_t k = 0; k < inside.size(); ++k) slot_of[inside[k]] = static_cast<int>(k);
    }
  }
  for (std::size_t j = 0; j < symbols.size(); ++j) {
    if (slot_of[j] < 0) continue;
    slots[static_cast<std::size_t>(slot_of[j])] = symbols[j].choices;
    origin[static_cast<std::size_t>(slot_of[j])] = &symbols[j];
  }
  for (auto& slot : slots) {
    if (slot.empty())
      slot.push_back({'<', 0.05f});  // nothing read here: most likely a faint filler
  }
  return slots;
}

namespace {

// Edge strength of the weaker half (top or bottom) of a cell: the mean
// gradient magnitude. A smudge over part of a glyph, a drop of water or a
// scratch blurs that part while the rest stays sharp.
double Sharpness(const cv::Mat& cell) {
  cv::Mat gx, gy, mag;
  cv::Sobel(cell, gx, CV_32F, 1, 0);
  cv::Sobel(cell, gy, CV_32F, 0, 1);
  cv::magnitude(gx, gy, mag);
  const int h = mag.rows / 2;
  if (h < 1) return 0;
  return std::min(cv::mean(mag.rowRange(0, h))[0], cv::mean(mag.rowRange(h, mag.rows))[0]);
}

}  // namespace

SlotOpinions ClassifySlots(mrz::LineCandidates& slots, std::vector<const OcrSymbol*>& origin,
                           const cv::Mat& line, const GlyphClassifier& classifier,
                           std::deque<OcrSymbol>& store) {
  SlotOpinions opinions(slots.size());
  std::vector<cv::Point2d> centres;  // (slot, x)
  std::vector<cv::Rect> boxes;
  for (std::size_t i = 0; i < origin.size(); ++i) {
    if (origin[i] == nullptr) continue;
    centres.emplace_back(double(i), (origin[i]->left + origin[i]->right) / 2.0);
    boxes.emplace_back(cv::Point(origin[i]->left, origin[i]->top),
                       cv::Point(origin[i]->right, origin[i]->bottom));
  }
  if (centres.size() < slots.size() / 2) return opinions;
  const double rough =
      (centres.back().y - centres.front().y) / std::max(1.0, centres.back().x - centres.front().x);
  const std::optional<Linear> fit = FitLinear(centres, 0.3 * rough);
  if (!fit || fit->m < 4) return opinions;
  const LineMetrics metrics = MeasureLine(boxes);
  const std::string_view alphabet = kGlyphAlphabet;
  auto cell_at = [&](std::size_t i) {
    const double x = fit->At(double(i));
    const int width = static_cast<int>(0.95 * fit->m);
    return cv::Rect(static_cast<int>(x - width / 2.0), static_cast<int>(metrics.top), width,
                    static_cast<int>(metrics.height));
  };
  const cv::Rect whole(0, 0, line.cols, line.rows);
  // A smudged glyph may still be read confidently, and wrongly, by both
  // classifiers. A cell whose weaker half is far less sharp than the line's
  // cells usually are gets no opinion, so its reading stays unconfirmed.
  std::vector<double> contrast(slots.size(), 0.0);
  for (std::size_t i = 0; i < slots.size(); ++i) {
    const cv::Rect cell = cell_at(i) & whole;
    if (cell.area() > 0) contrast[i] = Sharpness(line(cell));
  }
  std::vector<double> sorted = contrast;
  std::nth_element(sorted.begin(), sorted.begin() + static_cast<std::ptrdiff_t>(sorted.size() / 2),
                   sorted.end());
  const double usual = sorted[sorted.size() / 2];
  for (std::size_t i = 0; i < slots.size(); ++i) {
    const cv::Rect cell = cell_at(i);
    if ((cell & whole).area() < cell.area() / 2) continue;
    if (contrast[i] < kFaintCell * usual) continue;
    auto p = classifier.Classify(GlyphFeatures(line, cell, metrics));
    // Where a symbol stands, its own box is asked too and each character
    // keeps the better of the two probabilities: the cell is right where
    // Tesseract split or merged a glyph, the box where the pitch fit is off
    // (devset: exact 37 -> 39 of 65 against the box alone, 4 exact readings
    // held back against 5; averaging the two held back 10).
    if (const OcrSymbol* o = origin[i]) {
      const cv::Rect own(cv::Point(o->left, o->top), cv::Point(o->right, o->bottom));
      const auto q = classifier.Classify(GlyphFeatures(line, own, metrics));
      for (std::size_t k = 0; k < p.size(); ++k) p[k] = std::max(p[k], q[k]);
    }
    opinions[i].assign(p.begin(), p.end());
    const auto best = std::max_element(p.begin(), p.end());
    const char said = alphabet[static_cast<std::size_t>(best - p.begin())];
    if (*best < kGlyphSure || said == slots[i].front().ch) continue;
    OcrSymbol s;
    if (origin[i] == nullptr) {
      s.left = cell.x, s.right = cell.x + cell.width, s.top = cell.y,
      s.bottom = cell.y + cell.height;
      s.read = '<';  // what an empty slot reads as without the classifier
      s.choices = {{said, 0.8f * *best}};
      s.cue = "glyph_classifier";
    } else {
      s = *origin[i];
      s.choices = slots[i];
      Promote(s, said, "glyph_classifier");
    }
    store.push_back(std::move(s));
    slots[i] = store.back().choices;
    origin[i] = &store.back();
  }
  return opinions;
}

float OpinionOf(const std::vector<float>& opinion, char c) {
  const auto k = std::string_view(kGlyphAlphabet).find(c);
  if (opinion.empty() || k == std::string_view::npos) return -1.0f;
  return opinion[k];
}

}  // namespace tdv::vision::internal
