// SPDX-License-Identifier: Apache-2.0
// MrzReader: decode -> locate (mrz_locate) -> lines (mrz_lines) -> classify
// (mrz_classify) -> repair (tdv/mrz) -> decide (mrz_decide). Each stage is a
// file of its own so that it can be measured and replaced alone. What the
// open readers get wrong, and the Tesseract facts this relies on:
// ../shared/reference/mrz-ocr-notes.md.
#include "tdv/vision/mrz_reader.h"

#include <tesseract/baseapi.h>

#include <algorithm>
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

struct Attempt {
  bool ok = false;
  bool lines = false;  // the band split into 2 or 3 lines (either way up alike)
  MrzImageReading reading;
  double quality = 0;
};

}  // namespace

struct MrzReader::Impl {
  ReaderOptions options;
  std::unique_ptr<internal::GlyphClassifier> glyphs;

  Attempt ReadBand(const cv::Mat& gray, const cv::RotatedRect& full_rect, bool flip) const {
    Attempt a;
    double angle = 0;
    const cv::Mat band = internal::Deshear(internal::Straighten(gray, full_rect, flip, angle));
    if (const char* debug = std::getenv("TDV_VISION_DEBUG_DIR")) {
      static std::atomic<int> n{0};
      cv::imwrite(std::string(debug) + "/band" + std::to_string(n++) + ".png", band);
    }
    const std::vector<LineImage> lines = internal::SegmentLines(band);
    if (lines.size() < 2 || lines.size() > 3) return a;
    a.lines = true;
    tesseract::TessBaseAPI* api = internal::ThreadEngine(options.model_dir);
    if (api == nullptr) return a;
    std::vector<std::vector<OcrSymbol>> symbols;
    std::vector<float> conf;
    std::size_t total = 0;
    for (const LineImage& l : lines) {
      float c = 0;
      symbols.push_back(internal::Recognise(*api, l.pixels, c));
      internal::ApplyHeightCue(symbols.back());
      internal::ApplyShapeCue(symbols.back(), l.pixels);
      conf.push_back(c);
      total += symbols.back().size();
    }
    // The layout: 3 lines of 30, or 2 lines of 36 or 44 (nearest).
    int length = 30;
    if (lines.size() == 2) length = total > 80 ? 44 : 36;
    std::vector<mrz::LineCandidates> candidates;
    std::vector<std::vector<const OcrSymbol*>> origins(symbols.size());
    std::deque<OcrSymbol> changed;  // symbols the glyph classifier changed or found
    std::vector<internal::SlotOpinions> opinions;
    for (std::size_t i = 0; i < symbols.size(); ++i) {
      const auto& s = symbols[i];
      if (std::abs(static_cast<int>(s.size()) - length) > length / 4) return a;  // not an MRZ line
      candidates.push_back(internal::ToSlots(s, length, origins[i]));
      opinions.push_back(internal::ClassifySlots(candidates.back(), origins[i], lines[i].pixels,
                                                 *glyphs, changed));
    }
    auto repaired = mrz::RepairMrz(candidates, internal::ImageRepairOptions());
    if (!repaired) return a;
    const std::optional<double> grammar = internal::GrammarScore(repaired->lines);
    if (!grammar) return a;  // cannot be an MRZ: discarded, not returned
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
    internal::MarkUnsure(opinions, a.reading.char_confidence, a.reading.repair);
    a.reading.rotation_degrees = static_cast<int>(std::lround(-angle)) % 360;
    cv::Point2f pts[4];
    full_rect.points(pts);
    for (int i = 0; i < 4; ++i)
      a.reading.polygon[static_cast<std::size_t>(i)] = {pts[i].x, pts[i].y};
    double mean = 0;
    for (float c : conf) mean += c;
    a.quality = *grammar + (repaired->checks_satisfied ? 10.0 : 0.0) + mean / double(conf.size());
    a.ok = true;
    if (std::getenv("TDV_VISION_DEBUG_DIR") != nullptr) {
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
  const auto model = std::filesystem::path(options.model_dir) / "mrz.traineddata";
  std::error_code ec;
  if (!std::filesystem::is_regular_file(model, ec)) {
    return Error{ErrorCode::kUnavailable, "the MRZ model " + model.string() + " is missing"};
  }
  std::unique_ptr<MrzReader> reader(new MrzReader(options));
  const auto glyphs = std::filesystem::path(options.model_dir) / "mrz_glyphs.yml.gz";
  reader->impl_->glyphs = internal::GlyphClassifier::Load(glyphs.string());
  if (!reader->impl_->glyphs) {
    return Error{ErrorCode::kUnavailable,
                 "the glyph model " + glyphs.string() + " is missing or not a glyph model"};
  }
  // Load it once here, so that a broken model fails at start-up.
  if (internal::ThreadEngine(options.model_dir) == nullptr) {
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

  // Bands are searched at the image's size, large images reduced; small ones
  // (web thumbnails, MRZ glyphs 6-9 px high) once more enlarged, so that the
  // closings and the blackhat see characters of the sizes they are made for.
  std::vector<cv::RotatedRect> regions;
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
    for (const Band& b : internal::FindBands(work)) {
      const cv::RotatedRect full(
          b.rect.center / s,
          cv::Size2f(b.rect.size.width / float(s), b.rect.size.height / float(s)), b.rect.angle);
      const bool seen = std::any_of(regions.begin(), regions.end(), [&](const cv::RotatedRect& r) {
        return cv::norm(r.center - full.center) <
                   0.25 * std::min(full.size.width, full.size.height) &&
               std::abs(r.size.area() - full.size.area()) < 0.2 * full.size.area();
      });
      if (!seen) regions.push_back(full);
    }
  }
  const auto t2 = Clock::now();

  Attempt best;
  for (const cv::RotatedRect& full : regions) {
    for (bool flip : {false, true}) {
      Attempt a = impl_->ReadBand(gray, full, flip);
      const bool lines = a.lines;
      if (a.ok && (!best.ok || a.quality > best.quality)) best = std::move(a);
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
