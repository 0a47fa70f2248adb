// SPDX-License-Identifier: Apache-2.0
// MrzReader: decode -> locate (mrz_locate) -> lines (mrz_lines) -> classify
// (mrz_classify) -> repair (tdv/mrz) -> decide (mrz_decide). Each stage is a
// file of its own so that it can be measured and replaced alone. What the
// open readers get wrong, and the Tesseract facts this relies on:
// ../shared/reference/mrz-ocr-notes.md.
#include "tdv/vision/mrz_reader.h"

#include <tesseract/baseapi.h>

#include <algorithm>
#include <array>
#include <atomic>
#include <chrono>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <deque>
#include <filesystem>
#include <opencv2/core.hpp>
#include <opencv2/imgcodecs.hpp>
#include <opencv2/imgproc.hpp>
#include <string>

#include "decode.h"
#include "mrz_classify.h"
#include "mrz_crnn.h"
#include "mrz_decide.h"
#include "mrz_glyphs.h"
#include "mrz_lines.h"
#include "mrz_locate.h"

namespace tdv::vision {
namespace {

using Clock = std::chrono::steady_clock;
double Ms(Clock::time_point a, Clock::time_point b) {
  return std::chrono::duration<double, std::milli>(b - a).count();
}

using internal::Band;
using internal::LineImage;
using internal::OcrSymbol;

constexpr int kWorkSide = 1200;  // longest side of the image the band is searched in
// Rows of ink a band may hold besides the MRZ's 2 or 3 lines.
constexpr std::size_t kStrayLines = 2;

struct Attempt {
  bool ok = false;
  bool lines = false;  // the band split into 2 or 3 lines (either way up alike)
  // Some line read with about an MRZ line's symbols: without a reading
  // (`ok`), a zone that something over it may have spoilt.
  bool near = false;
  MrzImageReading reading;
  double quality = 0;
  // The band's text lines as cut (before rows beside the zone are left
  // out) and the angle it was turned by: a second read needs no second cut.
  std::vector<LineImage> cut;
  double angle = 0;
};

// The search's reading and its timings.
struct Found {
  Attempt best;
  double locate_ms = 0, ocr_ms = 0;
};

}  // namespace

struct MrzReader::Impl {
  ReaderOptions options;
  std::unique_ptr<internal::GlyphClassifier> glyphs;
  std::unique_ptr<internal::LineRecogniser> crnn;  // null: Tesseract reads
  // All the learned recogniser's models together (null: it has one). The
  // search for the zone reads with the first alone; the band it settles on
  // is read once more with them all (see Read).
  std::unique_ptr<internal::LineRecogniser> ensemble;
  // The sure threshold of all the models together (internal::kCrnnSure), for
  // the search as for the last read: the search keeps the reading the
  // ensemble would.
  float sure = internal::kCrnnSure[0];

  Attempt ReadBand(const cv::Mat& gray, cv::RotatedRect full_rect, bool flip) const {
    Attempt first;
    for (int pass = 0; pass < 2; ++pass) {
      double angle = 0;
      const cv::Mat band = internal::Deshear(internal::Straighten(gray, full_rect, flip, angle));
      const char* debug = std::getenv("TDV_VISION_DEBUG_DIR");
      if (debug != nullptr) {
        static std::atomic<int> n{0};
        cv::imwrite(std::string(debug) + "/band" + std::to_string(n++) + ".png", band);
      }
      std::vector<LineImage> cut = internal::SegmentLines(band);
      if (debug != nullptr)
        std::fprintf(stderr, "band %dx%d%s: %zu text lines\n", band.cols, band.rows,
                     flip ? " (turned)" : "", cut.size());
      const bool short_band =
          std::any_of(cut.begin(), cut.end(), [](const LineImage& l) { return l.at_band_end; });
      Attempt a = ReadLines(std::move(cut), angle, full_rect, crnn.get());
      if (pass == 1) {
        // The longer band's reading only where its check digits hold and
        // the first's did not: the ink at the end may be print beside the
        // zone (a ring drawn round it), not a zone found short, and a
        // reading of more symbols can score higher without being right.
        const bool holds = a.ok && a.reading.repair.checks_satisfied;
        if (holds && !(first.ok && first.reading.repair.checks_satisfied)) return a;
        return first;
      }
      // A zone found short of its ends (its first glyphs lost in a page's
      // edge or in print beside it) runs into the band's end, and the glyph
      // there is cut in two: unless the reading is whole and sure, read
      // once more with the band a tenth longer at either end.
      const bool whole =
          a.ok && a.reading.repair.checks_satisfied && a.reading.repair.uncertain.empty();
      if (!short_band || whole) return a;
      first = std::move(a);
      cv::Size2f& size = full_rect.size;
      (size.width > size.height ? size.width : size.height) *= 1.2f;
    }
    return first;
  }

  // The search for the zone in a page `gray` (the file's pixels turned by
  // `turn`, a cv::RotateFlags, or -1: as decoded) and its reading.
  Found Search(const cv::Mat& gray, std::span<const std::uint8_t> file, int turn) const {
    const auto t1 = Clock::now();
    // Bands are searched at the image's size, large images reduced; small ones
    // (web thumbnails, MRZ glyphs 6-9 px high) once more enlarged, so that the
    // closings and the blackhat see characters of the sizes they are made for.
    // Bands the closings make are read first, then those made of glyph rows:
    // the closings find most zones, and more often whole.
    std::vector<cv::RotatedRect> regions, glyph_regions;
    const auto same = [](const cv::RotatedRect& a, const cv::RotatedRect& b) {
      return cv::norm(a.center - b.center) < 0.25 * std::min(b.size.width, b.size.height) &&
             std::abs(a.size.area() - b.size.area()) < 0.2 * b.size.area();
    };
    const auto add = [&](std::vector<cv::RotatedRect>& to, const Band& b, double s) {
      const cv::RotatedRect full(
          b.rect.center / s,
          cv::Size2f(b.rect.size.width / float(s), b.rect.size.height / float(s)), b.rect.angle);
      if (std::none_of(to.begin(), to.end(),
                       [&](const cv::RotatedRect& r) { return same(r, full); }))
        to.push_back(full);
    };
    const int longest = std::max(1, std::max(gray.cols, gray.rows));
    std::vector<double> scales = {std::min(1.0, double(kWorkSide) / longest)};
    if (longest < kWorkSide * 2 / 3) scales.push_back(std::min(4.0, double(kWorkSide) / longest));
    for (double scale : scales) {
      cv::Mat work;
      if (scale == 1.0) {
        work = gray;
      } else {
        cv::resize(gray, work, cv::Size(), scale, scale,
                   scale < 1 ? cv::INTER_AREA : cv::INTER_LINEAR);
      }
      const double s = double(work.cols) / gray.cols;
      for (const Band& b : internal::FindBands(work)) add(regions, b, s);
      for (const Band& b : internal::FindGlyphRows(work)) add(glyph_regions, b, s);
    }
    const std::size_t closing_regions = regions.size();
    for (const cv::RotatedRect& g : glyph_regions) {
      if (std::none_of(regions.begin(), regions.begin() + std::ptrdiff_t(closing_regions),
                       [&](const cv::RotatedRect& r) { return same(r, g); }))
        regions.push_back(g);
    }
    const auto t2 = Clock::now();

    // Bands are read until one gives a reading whose check digits hold; until
    // then the reading of higher quality is kept.
    const auto certain = [](const Attempt& a) {
      return a.ok && a.reading.repair.checks_satisfied && a.reading.repair.uncertain.empty();
    };
    // With the learned recogniser, a reading is done only when it is also
    // sure (see the quality above); a doubtful one is compared with the
    // other bands and the other way up.
    const bool learned = crnn != nullptr;
    const auto done = [&](const Attempt& a) {
      return a.ok && a.reading.repair.checks_satisfied && (!learned || certain(a));
    };
    Attempt best;
    std::size_t best_region = 0;  // where `best` was found
    cv::Mat ink;
    bool ink_decoded = false;
    for (std::size_t r = 0; r < regions.size() && !done(best); ++r) {
      // A glyph-row band is often part of a zone the closings found whole
      // (two of three lines, a line and the text above it): it replaces a
      // closing band's reading only when its check digits hold and no
      // position of it is uncertain.
      const bool fallback = r >= closing_regions;
      for (bool flip : {false, true}) {
        bool lines = false, again = true;
        // The band as the page's grey shows it and, where that gives no
        // reading although a line read like an MRZ line, through its
        // brightest channel: a stamp or security print in colour over the
        // zone (the red "SPECIMEN" across a passport's first line) turns light
        // there while the black ink stays. Not a second opinion on a reading:
        // one more look at a document printed with wrong check digits can find
        // a misreading whose digits hold.
        for (const cv::Mat* source : std::array<const cv::Mat*, 2>{&gray, &ink}) {
          if (source == &ink && again && !ink_decoded) {
            ink = DecodeInk(file);  // coloured print lightened; empty for a grey file
            if (turn >= 0 && !ink.empty()) cv::rotate(ink, ink, turn);
            if (ink.size() != gray.size()) ink.release();  // the bands are where the grey has them
            ink_decoded = true;
          }
          if (source->empty() || !again) continue;
          Attempt a = ReadBand(*source, regions[r], flip);
          lines = lines || a.lines;
          again = !a.ok && a.near;
          if (a.ok && (!best.ok || (a.quality > best.quality && (!fallback || certain(a))))) {
            best = std::move(a);
            best_region = r;
          }
        }
        if (done(best)) break;
        // No text lines one way up: none the other way either.
        if (!lines) break;
      }
    }
    // The zone found, its band is read with every model of the recogniser:
    // the mean of their distributions is right more often and sure of a wrong
    // character less often than one model (models/README.md). Once, not for
    // every band tried: the search stays as fast as with one model.
    if (best.ok && ensemble) {
      Attempt all = ReadLines(best.cut, best.angle, regions[best_region], ensemble.get());
      if (all.ok) best = std::move(all);
    }
    Found f;
    f.locate_ms = Ms(t1, t2);
    f.ocr_ms = Ms(t2, Clock::now());
    f.best = std::move(best);
    return f;
  }

  // The reading of a band's text lines `cut` (turned by `angle`, found at
  // `full_rect`), with `recogniser` (the learned one; null: Tesseract).
  Attempt ReadLines(std::vector<LineImage> cut, double angle, const cv::RotatedRect& full_rect,
                    const internal::LineRecogniser* recogniser) const {
    Attempt a;
    a.cut = cut;
    a.angle = angle;
    std::vector<LineImage> lines = std::move(cut);
    if (lines.size() < 2 || lines.size() > 3 + kStrayLines) return a;
    // The learned recogniser reads each line when it is loaded; Tesseract
    // otherwise (ReaderOptions::recogniser).
    tesseract::TessBaseAPI* api = nullptr;
    if (!crnn) {
      api = internal::ThreadEngine(options.model_dir);
      if (api == nullptr) return a;
    }
    std::vector<std::vector<OcrSymbol>> symbols;
    std::vector<std::vector<std::vector<float>>> symbol_opinions;  // the model's, per symbol
    std::vector<float> conf;
    for (const LineImage& l : lines) {
      if (const char* debug = std::getenv("TDV_VISION_DEBUG_DIR")) {
        static std::atomic<int> n{0};
        cv::imwrite(std::string(debug) + "/line" + std::to_string(n++) + ".png", l.pixels);
      }
      float c = 0;
      std::vector<std::vector<float>> op;
      symbols.push_back(recogniser != nullptr ? recogniser->Read(l.pixels, op, c)
                                              : internal::Recognise(*api, l.pixels, c));
      symbol_opinions.push_back(std::move(op));
      conf.push_back(c);
    }
    // Rows of print beside the zone (a guilloche's edge, the last line of
    // the visual zone, the page's border) are left out, from either end.
    const auto stray = [&](std::size_t i) {
      std::vector<std::size_t> counts;
      for (const auto& row : symbols) counts.push_back(row.size());
      return internal::StrayRow(counts, i);
    };
    while (lines.size() > 2 && (stray(0) || stray(lines.size() - 1))) {
      const std::size_t i = stray(0) ? 0 : lines.size() - 1;
      lines.erase(lines.begin() + static_cast<std::ptrdiff_t>(i));
      symbols.erase(symbols.begin() + static_cast<std::ptrdiff_t>(i));
      symbol_opinions.erase(symbol_opinions.begin() + static_cast<std::ptrdiff_t>(i));
      conf.erase(conf.begin() + static_cast<std::ptrdiff_t>(i));
    }
    const bool trace = std::getenv("TDV_VISION_DEBUG_DIR") != nullptr;
    if (trace) {
      std::fprintf(stderr, "band: %zu lines of", lines.size());
      for (const auto& s : symbols) std::fprintf(stderr, " %zu", s.size());
      std::fprintf(stderr, " symbols\n");
    }
    if (lines.size() > 3) return a;
    a.lines = true;
    std::size_t longest = 0;
    for (std::size_t i = 0; i < lines.size(); ++i) {
      if (!crnn) {  // cues for Tesseract's legacy classifier
        internal::ApplyHeightCue(symbols[i]);
        internal::ApplyShapeCue(symbols[i], lines[i].pixels);
      }
      longest = std::max(longest, symbols[i].size());
    }
    // The layout: 3 lines of 30, or 2 lines of 36 or 44, nearest to the
    // longer line (a run of `<` read as fewer symbols shortens a line; a
    // line is seldom read longer than it is).
    int length = 30;
    if (lines.size() == 2) length = longest >= 40 ? 44 : 36;
    // Two lines nearer 30 symbols than 36 are two lines of a card's three
    // (the third not cut out), not a TD2: slotted into 36 positions they
    // would gain fillers between their characters.
    if (lines.size() == 2 && longest < internal::kCardLine) return a;
    // The zone's lines start and end at one column of the band: each line's
    // first and last slots where the others agree they are.
    std::vector<std::optional<internal::LineSpan>> spans;
    std::vector<std::size_t> counts;
    for (std::size_t i = 0; i < symbols.size(); ++i) {
      auto span = internal::SpanOf(symbols[i]);
      if (span) {
        const double x0 = lines[i].x0, scale = lines[i].scale;
        *span = {x0 + span->first / scale, x0 + span->last / scale, span->pitch / scale};
      }
      spans.push_back(span);
      counts.push_back(symbols[i].size());
    }
    std::vector<std::optional<internal::SlotEnds>> ends = internal::ZoneEnds(spans, counts, length);
    for (std::size_t i = 0; i < ends.size(); ++i) {
      if (!ends[i]) continue;
      const double x0 = lines[i].x0, scale = lines[i].scale;
      *ends[i] = {(ends[i]->first - x0) * scale, (ends[i]->last - x0) * scale};
    }
    std::vector<mrz::LineCandidates> candidates;
    std::vector<std::vector<const OcrSymbol*>> origins(symbols.size());
    std::deque<OcrSymbol> changed;  // symbols the glyph classifier changed or found
    std::vector<internal::SlotOpinions> opinions;
    const auto mrz_line = [&](const std::vector<OcrSymbol>& s) {
      return std::abs(static_cast<int>(s.size()) - length) <= length / 4;
    };
    a.near = std::any_of(symbols.begin(), symbols.end(), mrz_line);
    for (std::size_t i = 0; i < symbols.size(); ++i) {
      const auto& s = symbols[i];
      if (!mrz_line(s)) return a;  // not an MRZ line
      candidates.push_back(internal::ToSlots(s, length, origins[i], ends[i]));
      if (crnn) {
        // Each slot holds the model's distribution of the symbol it took.
        internal::SlotOpinions slot_opinions(origins[i].size());
        for (std::size_t p = 0; p < origins[i].size(); ++p) {
          if (origins[i][p] != nullptr)
            slot_opinions[p] =
                symbol_opinions[i][static_cast<std::size_t>(origins[i][p] - s.data())];
        }
        opinions.push_back(std::move(slot_opinions));
      } else {
        opinions.push_back(internal::ClassifySlots(candidates.back(), origins[i], lines[i].pixels,
                                                   *glyphs, changed));
      }
    }
    auto repaired = mrz::RepairMrz(
        candidates, crnn ? internal::CalibratedRepairOptions() : internal::ImageRepairOptions());
    if (!repaired) return a;
    const std::optional<double> grammar = internal::GrammarScore(repaired->lines);
    if (!grammar) {  // cannot be an MRZ: discarded, not returned
      if (trace) {
        std::fprintf(stderr, "discarded:");
        for (const auto& l : repaired->lines) std::fprintf(stderr, " %s", l.c_str());
        std::fprintf(stderr, "\n");
      }
      return a;
    }
    internal::ReportCues(origins, *repaired);
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
    for (std::size_t i = 0; i < candidates.size(); ++i) {
      std::vector<float> per_char;
      for (std::size_t p = 0; p < candidates[i].size(); ++p) {
        const char chosen = a.reading.lines[i][p];
        float c = 0;
        for (const mrz::CharCandidate& k : candidates[i][p]) {
          if (k.ch == chosen) c = std::max(c, k.confidence);
        }
        per_char.push_back(c);
      }
      a.reading.char_confidence.push_back(std::move(per_char));
    }
    if (crnn) {
      internal::MarkUnsureCalibrated(opinions, sure, a.reading.raw_lines, a.reading.repair);
    } else {
      internal::MarkUnsure(opinions, a.reading.char_confidence, a.reading.raw_lines,
                           a.reading.repair);
    }
    a.reading.rotation_degrees = static_cast<int>(std::lround(-angle)) % 360;
    cv::Point2f pts[4];
    full_rect.points(pts);
    for (int i = 0; i < 4; ++i)
      a.reading.polygon[static_cast<std::size_t>(i)] = {pts[i].x, pts[i].y};
    a.quality = internal::ReadingQuality(*grammar, repaired->checks_satisfied, conf,
                                         a.reading.char_confidence, crnn != nullptr);
    a.ok = true;
    if (trace) {
      std::fprintf(stderr, "candidate quality %.2f:", a.quality);
      for (const auto& l : a.reading.lines) std::fprintf(stderr, " %s", l.c_str());
      std::fprintf(stderr, "\n");
    }
    return a;
  }
};

MrzReader::MrzReader(ReaderOptions options) : impl_(std::make_unique<Impl>()) {
  impl_->options = std::move(options);
}
MrzReader::~MrzReader() = default;

Result<std::unique_ptr<MrzReader>> MrzReader::Create(const ReaderOptions& options) {
  std::unique_ptr<MrzReader> reader(new MrzReader(options));
  const std::filesystem::path dir(options.model_dir);
  cv::setNumThreads(1);  // requests run in parallel already
  if (options.recogniser == "crnn") {
    // The line recogniser, and the further members of its ensemble the
    // directory holds: mrz_crnn_2.onnx and mrz_crnn_3.onnx in turn, up to
    // the first number missing (models/README.md).
    const auto model = dir / "mrz_crnn.onnx";
    std::vector<std::string> members{model.string()};
    for (std::size_t k = 2; k <= internal::kCrnnMaxMembers; ++k) {
      const auto member = dir / ("mrz_crnn_" + std::to_string(k) + ".onnx");
      std::error_code ec;
      if (!std::filesystem::exists(member, ec)) break;
      members.push_back(member.string());
    }
    reader->impl_->crnn = internal::LineRecogniser::Load({model.string()});
    if (members.size() > 1) reader->impl_->ensemble = internal::LineRecogniser::Load(members);
    reader->impl_->sure = internal::kCrnnSure[members.size() - 1];
    if (!reader->impl_->crnn || (members.size() > 1 && !reader->impl_->ensemble)) {
      std::string names = members.front();
      for (std::size_t k = 1; k < members.size(); ++k)
        names += (k + 1 == members.size() ? " or " : ", ") + members[k];
      return Error{ErrorCode::kUnavailable,
                   "the line recogniser " + names + " is missing or not such a model"};
    }
    return reader;
  }
  if (options.recogniser != "tesseract") {
    return Error{ErrorCode::kInvalidInput,
                 "unknown recogniser \"" + options.recogniser + "\" (crnn or tesseract)"};
  }
  const auto model = dir / "mrz.traineddata";
  std::error_code ec;
  if (!std::filesystem::is_regular_file(model, ec)) {
    return Error{ErrorCode::kUnavailable, "the MRZ model " + model.string() + " is missing"};
  }
  const auto glyphs = dir / "mrz_glyphs.yml.gz";
  reader->impl_->glyphs = internal::GlyphClassifier::Load(glyphs.string());
  if (!reader->impl_->glyphs) {
    return Error{ErrorCode::kUnavailable,
                 "the glyph model " + glyphs.string() + " is missing or not a glyph model"};
  }
  // Load it once here, so that a broken model fails at start-up.
  if (internal::ThreadEngine(options.model_dir) == nullptr) {
    return Error{ErrorCode::kUnavailable, "Tesseract cannot load " + model.string()};
  }
  return reader;
}

Result<MrzImageReading> MrzReader::Read(std::span<const std::uint8_t> file) const {
  const auto t0 = Clock::now();
  const ReaderOptions& o = impl_->options;
  bool truncated = false;
  auto decoded = DecodeGray(file, o.max_file_bytes, o.max_pixels, &truncated);
  if (!decoded) return decoded.error();
  cv::Mat gray = std::move(*decoded);
  const auto t1 = Clock::now();
  Found found = impl_->Search(gray, file, -1);
  Attempt& best = found.best;
  // Every turn reads alike: a zone found turned by a quarter or a half
  // (a page scanned sideways or upside down) is read once more from the
  // page turned losslessly so that the zone lies as it is read, the very
  // pixels of the page scanned upright. Read where it lies, the band was cut
  // by an interpolated turn of its own, and the reading of a glyph at the
  // edge of doubt could differ with the way up the page was scanned.
  if (best.ok) {
    const int degrees = ((best.reading.rotation_degrees % 360) + 360) % 360;
    const int quarter = ((degrees + 45) % 360) / 90;
    if (quarter != 0) {
      const int turn = quarter == 1   ? cv::ROTATE_90_CLOCKWISE
                       : quarter == 2 ? cv::ROTATE_180
                                      : cv::ROTATE_90_COUNTERCLOCKWISE;
      cv::Mat turned;
      cv::rotate(gray, turned, turn);
      Found upright = impl_->Search(turned, file, turn);
      found.locate_ms += upright.locate_ms;
      found.ocr_ms += upright.ocr_ms;
      if (upright.best.ok) {
        best = std::move(upright.best);
        best.reading.rotation_degrees += 90 * quarter;
        const float w = float(gray.cols), h = float(gray.rows);
        for (Point& p : best.reading.polygon) {
          const Point q = p;  // in the turned page
          if (quarter == 1) p = {q.y, h - q.x};
          if (quarter == 2) p = {w - q.x, h - q.y};
          if (quarter == 3) p = {w - q.y, q.x};
        }
      }
    }
  }
  if (!best.ok) {
    return Error{ErrorCode::kNotFound, truncated ? "no MRZ found in the part of the image the "
                                                   "truncated JPEG file holds"
                                                 : "no MRZ found in the image"};
  }
  // In (-180, 180]: a zone turned 2 degrees clockwise is -2, upside down 180.
  int& rotation = best.reading.rotation_degrees;
  rotation = ((rotation % 360) + 360) % 360;
  if (rotation > 180) rotation -= 360;
  best.reading.truncated_file = truncated;
  best.reading.image_width = gray.cols;
  best.reading.image_height = gray.rows;
  best.reading.decode_ms = Ms(t0, t1);
  best.reading.locate_ms = found.locate_ms;
  best.reading.ocr_ms = found.ocr_ms;
  return std::move(best.reading);
}

}  // namespace tdv::vision
