// SPDX-License-Identifier: Apache-2.0
// Reading MRZs from real image files: the committed synthetic samples
// (tools/samples/gen_samples.py), rotations, EXIF orientation, and every
// kind of bad file.
#include "tdv/vision/mrz_reader.h"

#include <algorithm>
#include <cmath>
#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>
#include <opencv2/core.hpp>
#include <opencv2/imgcodecs.hpp>
#include <set>
#include <thread>

#include "catch.h"

namespace tdv::vision {
namespace {

namespace fs = std::filesystem;
using nlohmann::json;

// The floor for the committed samples (see README: accuracy is tracked
// here, and raised as the model improves).
// Of 13, all exact: since the height cue, and since line crops keep to
// their own line (td2-hard-066), the shear of a steep phone photo is taken
// out (td1-steep-030, 15 % perspective) and the shape cue tells M from H
// (td3-hard-026).
constexpr int kMinExactSamples = 13;
// The learned recogniser (issue 23) reads 12 of them exactly.
constexpr int kMinExactSamplesCrnn = 12;

const fs::path kSamples = fs::path(TDV_SOURCE_DIR) / "samples/images";

std::unique_ptr<MrzReader> Make(const std::string& recogniser) {
  ReaderOptions o;
  o.model_dir = std::string(TDV_SOURCE_DIR) + "/models";
  o.recogniser = recogniser;
  auto r = MrzReader::Create(o);
  if (!r) FAIL(r.error().message);
  return std::move(*r);
}

// The reader as shipped: the learned line recogniser.
const MrzReader& Reader() {
  static const std::unique_ptr<MrzReader> reader = Make("crnn");
  return *reader;
}

// Tesseract's legacy engine with the glyph classifier, still selectable.
const MrzReader& TesseractReader() {
  static const std::unique_ptr<MrzReader> reader = Make("tesseract");
  return *reader;
}

std::vector<std::uint8_t> Bytes(const fs::path& p) {
  std::ifstream in(p, std::ios::binary);
  return {std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>()};
}

json Expected(const fs::path& image) {
  fs::path p = image;
  p.replace_extension(".expected.json");
  std::ifstream in(p);
  return json::parse(in);
}

std::vector<fs::path> Samples() {
  std::vector<fs::path> out;
  for (const auto& e : fs::directory_iterator(kSamples)) {
    if (e.path().extension() == ".jpg") out.push_back(e.path());
  }
  std::sort(out.begin(), out.end());
  return out;
}

TEST_CASE("committed samples: at least the floor read exactly; no-MRZ pages say so", "[vision]") {
  const bool tesseract = GENERATE(false, true);
  INFO((tesseract ? "tesseract" : "crnn"));
  const MrzReader& reader = tesseract ? TesseractReader() : Reader();
  int exact = 0, with_mrz = 0;
  for (const fs::path& p : Samples()) {
    const json want = Expected(p);
    auto r = reader.Read(Bytes(p));
    if (want["mrz"].is_null()) {
      REQUIRE_FALSE(r.has_value());
      CHECK(r.error().code == ErrorCode::kNotFound);
      continue;
    }
    ++with_mrz;
    INFO(p.filename().string());
    REQUIRE(r.has_value());
    CHECK(r->lines.size() == want["mrz"].size());
    CHECK(r->line_confidence.size() == r->lines.size());
    if (r->lines == want["mrz"].get<std::vector<std::string>>()) ++exact;
  }
  CHECK(with_mrz >= kMinExactSamples);
  INFO("exact: " << exact << " of " << with_mrz);
  CHECK(exact >= (tesseract ? kMinExactSamples : kMinExactSamplesCrnn));
}

// Every difference between what the recogniser read and the final reading
// is listed as a repair with its reason, including, with Tesseract, the
// glyph cues' changes (made before the check-digit repair sees the
// candidates).
TEST_CASE("repairs account for every change from the OCR reading", "[vision]") {
  const bool tesseract = GENERATE(false, true);
  INFO((tesseract ? "tesseract" : "crnn"));
  const MrzReader& reader = tesseract ? TesseractReader() : Reader();
  int cues = 0;
  for (const fs::path& p : Samples()) {
    if (Expected(p)["mrz"].is_null()) continue;
    INFO(p.filename().string());
    auto r = reader.Read(Bytes(p));
    REQUIRE(r.has_value());
    REQUIRE(r->raw_lines.size() == r->lines.size());
    std::set<std::pair<int, int>> listed;
    for (const auto& c : r->repair.repairs) {
      INFO(c.line << ":" << c.position << " " << c.from << "->" << c.to << " " << c.reason);
      REQUIRE(c.line >= 1);
      REQUIRE(c.line <= static_cast<int>(r->lines.size()));
      const auto l = static_cast<std::size_t>(c.line - 1),
                 q = static_cast<std::size_t>(c.position - 1);
      CHECK(r->raw_lines[l][q] == c.from);
      CHECK(r->lines[l][q] == c.to);
      CHECK(c.from != c.to);
      CHECK_FALSE(c.field.empty());
      CHECK(listed.insert({c.line, c.position}).second);
      if (c.reason == "glyph_shape" || c.reason == "glyph_height") ++cues;
    }
    for (std::size_t l = 0; l < r->lines.size(); ++l) {
      for (std::size_t q = 0; q < r->lines[l].size(); ++q) {
        if (r->raw_lines[l][q] != r->lines[l][q])
          CHECK(listed.count({static_cast<int>(l) + 1, static_cast<int>(q) + 1}) == 1);
      }
    }
  }
  if (!tesseract) return;
  // td3-hard-026: Tesseract reads an M as H; the shape cue restores it.
  CHECK(cues >= 1);
  const auto r = TesseractReader().Read(Bytes(kSamples / "td3-hard-026.jpg"));
  REQUIRE(r.has_value());
  const bool shape =
      std::any_of(r->repair.repairs.begin(), r->repair.repairs.end(), [](const mrz::CharRepair& c) {
        return c.reason == "glyph_shape" && c.from == 'H' && c.to == 'M';
      });
  CHECK(shape);
}

TEST_CASE("EXIF orientation is honoured", "[vision]") {
  for (const fs::path& p : Samples()) {
    if (p.filename().string().rfind("exif6", 0) != 0) continue;
    const json want = Expected(p);
    auto r = Reader().Read(Bytes(p));
    REQUIRE(r.has_value());
    // Stored sideways; read upright.
    CHECK(r->image_width == want["width"].get<int>());
    CHECK(r->image_height == want["height"].get<int>());
    return;
  }
  FAIL("no exif6 sample in samples/images");
}

// Of the 13 samples with an MRZ, those whose four turns read alike: all
// (issue 23), since lines split without the ink of a band's whole height.
constexpr int kMinAlikeTurns = 13;

// The same reading in every detail: lines, each character's probability and
// the positions held in doubt.
bool SameReading(const MrzImageReading& a, const MrzImageReading& b) {
  if (a.lines != b.lines || a.char_confidence != b.char_confidence) return false;
  if (a.repair.uncertain.size() != b.repair.uncertain.size()) return false;
  for (std::size_t i = 0; i < a.repair.uncertain.size(); ++i) {
    const auto &x = a.repair.uncertain[i], &y = b.repair.uncertain[i];
    if (x.line != y.line || x.position != y.position || x.reason != y.reason) return false;
  }
  return true;
}

// A page turned by a quarter or a half is read from the page turned back
// losslessly, the very pixels of the upright scan: not only the same lines
// but the same probabilities and doubts (read where it lay, the band was
// cut by an interpolated turn of its own and a glyph at the edge of doubt
// could read otherwise). The zone's outline is the upright one's, turned.
TEST_CASE("pages turned 90, 180 or 270 degrees read like the upright one", "[vision]") {
  int alike = 0, pages = 0;
  for (const fs::path& p : Samples()) {
    if (Expected(p)["mrz"].is_null()) continue;
    INFO(p.filename().string());
    ++pages;
    const cv::Mat upright = cv::imread(p.string(), cv::IMREAD_COLOR);
    REQUIRE_FALSE(upright.empty());
    // The upright page as the turned ones are given (a JPEG decodes to
    // other greys than its colours converted).
    std::vector<std::uint8_t> upright_png;
    REQUIRE(cv::imencode(".png", upright, upright_png));
    auto base = Reader().Read(upright_png);
    REQUIRE(base.has_value());
    bool same = true;
    for (int code : {cv::ROTATE_90_CLOCKWISE, cv::ROTATE_180, cv::ROTATE_90_COUNTERCLOCKWISE}) {
      cv::Mat turned;
      cv::rotate(upright, turned, code);
      std::vector<std::uint8_t> png;
      REQUIRE(cv::imencode(".png", turned, png));
      auto r = Reader().Read(png);
      const bool alike_here = r.has_value() && SameReading(*r, *base);
      same = same && alike_here;
      if (!alike_here) UNSCOPED_INFO(p.filename().string() << " turn " << code);
      if (!r) continue;
      // The angle and outline are the turned page's own: a page turned a
      // quarter clockwise has its zone a quarter less counter-clockwise.
      const int quarter = code == cv::ROTATE_90_CLOCKWISE ? 3 : code == cv::ROTATE_180 ? 2 : 1;
      CHECK((r->rotation_degrees - base->rotation_degrees - 90 * quarter + 720) % 360 == 0);
      const float w = float(upright.cols), h = float(upright.rows);
      for (std::size_t i = 0; i < 4; ++i) {
        const Point q = base->polygon[i];
        Point want = q;  // q in the turned page
        if (code == cv::ROTATE_90_CLOCKWISE) want = {h - q.y, q.x};
        if (code == cv::ROTATE_180) want = {w - q.x, h - q.y};
        if (code == cv::ROTATE_90_COUNTERCLOCKWISE) want = {q.y, w - q.x};
        const bool near = std::any_of(r->polygon.begin(), r->polygon.end(), [&](const Point& k) {
          return std::abs(k.x - want.x) < 1 && std::abs(k.y - want.y) < 1;
        });
        CHECK(near);
      }
    }
    alike += same;
  }
  INFO("alike in all four turns: " << alike << " of " << pages);
  CHECK(alike >= kMinAlikeTurns);
}

// A printer's face whose zero is as round as the letter O (a real card's
// number read O where its check digit says 0, the model sure of the O):
// samples/print/roundzero-000 (gen_samples.py --count 0 --round-zero 1
// --seed 4141), a document number holding the letter O and the digit 0,
// both printed O. The check digit reads the zero, not the letter; the
// reading is held back, its one witness the check digit.
TEST_CASE("a zero printed as round as the letter O is read as its check digit says, held back",
          "[vision]") {
  const fs::path p = fs::path(TDV_SOURCE_DIR) / "samples/print/roundzero-000.jpg";
  const json want = Expected(p);
  const auto truth = want["mrz"].get<std::vector<std::string>>();
  const auto printed = want["printed"].get<std::vector<std::string>>();
  REQUIRE(truth != printed);
  std::size_t zero = 0;
  while (truth[1][zero] == printed[1][zero]) ++zero;
  REQUIRE(truth[1][zero] == '0');
  const std::size_t letter = truth[1].find('O');
  REQUIRE(letter < 9);
  auto r = Reader().Read(Bytes(p));
  REQUIRE(r.has_value());
  CHECK(r->raw_lines == printed);  // the model reads both as the letter
  CHECK(r->lines == truth);
  CHECK(r->repair.checks_satisfied);
  const int position = static_cast<int>(zero) + 1;
  const auto repair = std::find_if(r->repair.repairs.begin(), r->repair.repairs.end(),
                                   [&](const mrz::CharRepair& c) { return c.line == 2; });
  REQUIRE(repair != r->repair.repairs.end());
  CHECK(r->repair.repairs.size() == 1);
  CHECK(repair->position == position);
  CHECK(repair->from == 'O');
  CHECK(repair->to == '0');
  CHECK(repair->reason == "check_digit");
  const auto held = std::find_if(
      r->repair.uncertain.begin(), r->repair.uncertain.end(),
      [&](const mrz::UncertainPosition& u) { return u.line == 2 && u.position == position; });
  REQUIRE(held != r->repair.uncertain.end());
  CHECK(held->reason == "unconfirmed_change");
  // The letter is read as printed, the check digit's witness too.
  CHECK(r->lines[1][letter] == 'O');
}

// A phone's upload cut short: what the file holds is decoded and read, and
// the reading says the file was cut.
TEST_CASE("a truncated JPEG is read as far as it goes", "[vision]") {
  const fs::path p = kSamples / "td3-moderate-001.jpg";
  const cv::Mat page = cv::imread(p.string(), cv::IMREAD_GRAYSCALE);
  REQUIRE_FALSE(page.empty());
  // Turned over, the MRZ comes first in the file's rows.
  cv::Mat turned;
  cv::rotate(page, turned, cv::ROTATE_180);
  std::vector<std::uint8_t> jpeg;
  REQUIRE(cv::imencode(".jpg", turned, jpeg, {cv::IMWRITE_JPEG_QUALITY, 90}));
  auto whole = Reader().Read(jpeg);
  REQUIRE(whole.has_value());
  CHECK_FALSE(whole->truncated_file);
  jpeg.resize(jpeg.size() * 6 / 10);
  auto cut = Reader().Read(jpeg);
  REQUIRE(cut.has_value());
  CHECK(cut->truncated_file);
  CHECK(cut->lines == Expected(p)["mrz"].get<std::vector<std::string>>());
  // Cut before the MRZ's rows: not found, and the message says why.
  jpeg.resize(jpeg.size() / 20);
  auto early = Reader().Read(jpeg);
  REQUIRE_FALSE(early.has_value());
  CHECK(early.error().code == ErrorCode::kNotFound);
  CHECK(early.error().message.find("truncated") != std::string::npos);
}

TEST_CASE("bad files are refused with a clear error before decoding", "[vision]") {
  auto code = [](const std::vector<std::uint8_t>& bytes) {
    auto r = Reader().Read(bytes);
    REQUIRE_FALSE(r.has_value());
    return r.error();
  };
  CHECK(code({}).code == ErrorCode::kInvalidInput);
  const std::string gif = "GIF89a\x01\x00\x01\x00";
  const Error e = code(std::vector<std::uint8_t>(gif.begin(), gif.end()));
  CHECK(e.code == ErrorCode::kInvalidInput);
  CHECK(e.message.find("PNG, JPEG or BMP") != std::string::npos);
  // A PNG header claiming 100000 x 100000 pixels: refused on the header.
  std::vector<std::uint8_t> bomb = {0x89, 'P', 'N',  'G',  '\r', '\n', 0x1a, '\n', 0,    0,
                                    0,    13,  'I',  'H',  'D',  'R',  0,    1,    0x86, 0xa0,
                                    0,    1,   0x86, 0xa0, 8,    0,    0,    0,    0};
  for (const char* tail : {"IEND"}) bomb.insert(bomb.end(), tail, tail + 4);
  const Error b = code(bomb);
  CHECK(b.code == ErrorCode::kInvalidInput);
  CHECK(b.message.find("pixels") != std::string::npos);
  // A truncated PNG.
  std::vector<std::uint8_t> png;
  REQUIRE(cv::imencode(".png", cv::Mat(64, 64, CV_8U, cv::Scalar(200)), png));
  png.resize(png.size() / 2);
  CHECK(code(png).message.find("truncated") != std::string::npos);
  // A PNG whose data is garbage.
  std::vector<std::uint8_t> junk(bomb.begin(), bomb.begin() + 16);
  const std::uint8_t dims[] = {0, 0, 0, 64, 0, 0, 0, 64, 8, 0, 0, 0, 0, 0, 0, 0};
  junk.insert(junk.end(), std::begin(dims), std::end(dims));
  junk.insert(junk.end(), 200, 0x5a);
  for (char c : std::string("IEND")) junk.push_back(static_cast<std::uint8_t>(c));
  CHECK(code(junk).code == ErrorCode::kInvalidInput);
  // Over the byte limit.
  ReaderOptions small;
  small.model_dir = std::string(TDV_SOURCE_DIR) + "/models";
  small.max_file_bytes = 1000;
  auto limited = MrzReader::Create(small);
  REQUIRE(limited.has_value());
  auto r = (*limited)->Read(Bytes(Samples().front()));
  REQUIRE_FALSE(r.has_value());
  CHECK(r.error().message.find("limit") != std::string::npos);
}

TEST_CASE("a missing model is reported at creation", "[vision]") {
  ReaderOptions o;
  o.model_dir = "/nonexistent";
  for (const char* recogniser : {"crnn", "tesseract"}) {
    o.recogniser = recogniser;
    auto r = MrzReader::Create(o);
    REQUIRE_FALSE(r.has_value());
    CHECK(r.error().code == ErrorCode::kUnavailable);
  }
  o.recogniser = "crnn";
  auto r = MrzReader::Create(o);
  REQUIRE_FALSE(r.has_value());
  CHECK(r.error().message.find("mrz_crnn.onnx") != std::string::npos);
  o.model_dir = std::string(TDV_SOURCE_DIR) + "/models";
  o.recogniser = "lstm";
  r = MrzReader::Create(o);
  REQUIRE_FALSE(r.has_value());
  CHECK(r.error().code == ErrorCode::kInvalidInput);
}

TEST_CASE("many threads read at once and agree with one", "[vision]") {
  const auto samples = Samples();
  std::vector<std::vector<std::string>> single;
  for (const auto& p : samples) {
    auto r = Reader().Read(Bytes(p));
    single.push_back(r ? r->lines : std::vector<std::string>{});
  }
  std::vector<std::thread> threads;
  std::atomic<int> agree{0};
  for (int t = 0; t < 3; ++t) {
    threads.emplace_back([&] {
      for (std::size_t i = 0; i < samples.size(); ++i) {
        auto r = Reader().Read(Bytes(samples[i]));
        if ((r ? r->lines : std::vector<std::string>{}) == single[i]) ++agree;
      }
    });
  }
  for (auto& t : threads) t.join();
  CHECK(agree == 3 * static_cast<int>(samples.size()));
}

}  // namespace
}  // namespace tdv::vision
