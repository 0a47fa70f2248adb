// SPDX-License-Identifier: Apache-2.0
// The reader's stages one by one (issue 10): the locate stage finds lines
// from their glyphs, the decide stage discards what cannot be an MRZ and
// marks what no check digit can confirm, the classify stage's slots resist
// specks, the glyph classifier reads rendered glyphs, and the whole reader
// holds on framed, cropped, small and sample images with a reading it can
// vouch for.
#include <unistd.h>

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>
#include <opencv2/core.hpp>
#include <opencv2/imgcodecs.hpp>
#include <opencv2/imgproc.hpp>

#include "catch.h"
#include "mrz_classify.h"
#include "mrz_crnn.h"
#include "mrz_decide.h"
#include "mrz_glyphs.h"
#include "mrz_lines.h"
#include "mrz_locate.h"
#include "tdv/mrz/repair.h"
#include "tdv/vision/mrz_reader.h"

namespace tdv::vision::internal {
namespace {

namespace fs = std::filesystem;
const fs::path kModels = fs::path(TDV_SOURCE_DIR) / "models";
const fs::path kSamples = fs::path(TDV_SOURCE_DIR) / "samples/images";

const std::vector<std::string> kTd3 = {"P<UTOERIKSSON<<ANNA<MARIA<<<<<<<<<<<<<<<<<<<",
                                       "L898902C36UTO7408122F1204159ZE184226B<<<<<10"};

TEST_CASE("decide: an MRZ scores; lines of look-alikes are discarded", "[vision][decide]") {
  const auto good = GrammarScore(kTd3);
  REQUIRE(good.has_value());
  // What the old reader returned from the wrong band or upside down.
  const std::vector<std::string> junk = {"GDDDDDDDDDDDDDDDEBZZOZZJSZDBOOGDDGBJGAOOXBOD",
                                         "5DDDDDDDD3SSD5550555D5VX1835DNNVW83ISNWDDO06"};
  CHECK_FALSE(GrammarScore(junk).has_value());
  // One wrong check digit still reads as an MRZ, scored lower.
  std::vector<std::string> misread = kTd3;
  misread[1][9] = '7';
  const auto lower = GrammarScore(misread);
  REQUIRE(lower.has_value());
  CHECK(*lower < *good);
  CHECK_FALSE(GrammarScore({"ABC"}).has_value());
}

TEST_CASE("decide: a reading the model is sure of outranks one repaired valid from doubt",
          "[vision][decide]") {
  // A card printed with a wrong composite check digit, read sure, against a
  // band of other print whose doubtful characters' alternatives were
  // repaired until its check digits held (a 90-degree turn of a real card
  // made such a band win with the mean probability).
  std::vector<std::string> printed = kTd3;
  printed[1][43] = '4';  // the composite check digit, printed wrong
  const double grammar = GrammarScore(printed).value();
  const std::vector<float> lines = {0.99F, 0.99F};
  const std::vector<std::vector<float>> sure(2, std::vector<float>(44, 1.0F));
  std::vector<std::vector<float>> doubtful(2, std::vector<float>(44, 0.97F));
  for (std::size_t p = 0; p < 44; p += 2) doubtful[p % 4 == 0 ? 0 : 1][p] = 0.45F;
  const double card = ReadingQuality(grammar, false, lines, sure, true);
  const double band = ReadingQuality(GrammarScore(kTd3).value(), true, lines, doubtful, true);
  CHECK(card > band);
  // Among readings of one text, the surer one wins; without calibrated
  // probabilities (Tesseract) only the grammar and line confidence count.
  std::vector<std::vector<float>> one_doubt = sure;
  one_doubt[1][5] = 0.4F;
  CHECK(ReadingQuality(10, true, lines, sure, true) >
        ReadingQuality(10, true, lines, one_doubt, true));
  CHECK(ReadingQuality(10, true, lines, sure, false) ==
        ReadingQuality(10, true, lines, one_doubt, false));
  CHECK(ReadingQuality(10, true, lines, sure, false) >
        ReadingQuality(10, false, lines, sure, false));
}

TEST_CASE("decide: a row of print beside the zone is told from its lines by its length",
          "[vision][decide]") {
  // Too short or too long for any MRZ line, wherever it is.
  CHECK(StrayRow({12, 44, 44}, 0));
  CHECK(StrayRow({44, 44, 61}, 2));
  CHECK_FALSE(StrayRow({44, 44}, 0));
  // A card's three lines, one read a few symbols short, are all its lines.
  CHECK_FALSE(StrayRow({30, 30, 26}, 2));
  CHECK_FALSE(StrayRow({27, 30, 30}, 0));
  // A row well off two alike rows is not.
  CHECK(StrayRow({28, 44, 44}, 0));
  CHECK(StrayRow({44, 44, 24}, 2));
  // Beside a passport's or a visa's two lines, a third is print beside the
  // zone even when it reads with about as many symbols (a guilloche's wave
  // read as 36 over two lines of 44; a row over a visa's two of 36).
  CHECK(StrayRow({36, 44, 44}, 0));
  CHECK(StrayRow({36, 36, 33}, 2));
  // Two rows that disagree cannot say which of three is odd.
  CHECK_FALSE(StrayRow({30, 44, 28}, 0));
  CHECK_FALSE(StrayRow({30, 44, 28}, 2));
}

// Rows of character-sized blocks at a fixed pitch, as a binarised MRZ line
// looks to the locate stage (a short block for every third `<`).
cv::Mat GlyphRows(int rows, int symbols, int height, int spacing, double slope = 0) {
  const int pitch = height * 3 / 4 + 2;
  cv::Mat page(spacing * (rows + 4), pitch * (symbols + 8), CV_8U, cv::Scalar(235));
  for (int r = 0; r < rows; ++r) {
    for (int i = 0; i < symbols; ++i) {
      const int x = pitch * (i + 4);
      const int top = spacing * (r + 2) + static_cast<int>(std::lround(slope * x));
      const bool chevron = i % 3 == 2;
      const int h = chevron ? height / 2 : height;
      cv::rectangle(page, cv::Rect(x, top + (height - h) / 2, pitch - 3, h), cv::Scalar(30), 2);
    }
  }
  return page;
}

TEST_CASE("locate: MRZ lines are found from their glyphs, upright too", "[vision][locate]") {
  const cv::Mat two = GlyphRows(2, 44, 24, 40);
  const auto bands = FindGlyphRows(two);
  REQUIRE_FALSE(bands.empty());
  const cv::RotatedRect& r = bands.front().rect;
  const float length = std::max(r.size.width, r.size.height),
              across = std::min(r.size.width, r.size.height);
  CHECK(length > 44 * 18);      // the whole line, not a piece of it
  CHECK(across > 24 + 40 - 4);  // both lines
  CHECK(across < 2 * 40 + 24);  // and nothing more
  CHECK(std::abs(r.center.y - static_cast<float>(two.rows) / 2) < 10);
  // The same zone printed upright is found in the transposed page.
  cv::Mat upright;
  cv::transpose(two, upright);
  const auto turned = FindGlyphRows(upright);
  REQUIRE_FALSE(turned.empty());
  CHECK(std::abs(turned.front().rect.center.x - static_cast<float>(upright.cols) / 2) < 10);
  // One line alone, or lines too far apart to be one zone, make no band.
  CHECK(FindGlyphRows(GlyphRows(1, 44, 24, 40)).empty());
  CHECK(FindGlyphRows(GlyphRows(2, 44, 24, 90)).empty());
  // Words too short to be an MRZ line neither.
  CHECK(FindGlyphRows(GlyphRows(3, 8, 24, 40)).empty());
}

// The glyph-row band found in `page` (GlyphRows of two lines of `symbols`,
// each 24 high, 40 apart), upright and transposed, is the two lines whole.
void FindsBothLinesWhole(const cv::Mat& page, int symbols) {
  for (bool turned : {false, true}) {
    cv::Mat work = page;
    if (turned) cv::transpose(page, work);
    const auto bands = FindGlyphRows(work);
    REQUIRE_FALSE(bands.empty());
    const cv::RotatedRect& r = bands.front().rect;
    const float length = std::max(r.size.width, r.size.height),
                across = std::min(r.size.width, r.size.height);
    CHECK(length > static_cast<float>(symbols * 18));  // the whole line
    CHECK(across > 24 + 40 - 4);                       // both lines
    CHECK(across < 2 * 40 + 24);                       // and nothing more
  }
}

TEST_CASE("locate: a line broken by print behind it is whole beside the line stacked on it",
          "[vision][locate]") {
  // A dark blot over ten symbols of a visa's second line (a watermark's
  // letters merged with its glyphs): what is left of the line is two short
  // rows, neither long enough for an MRZ line, too far apart to be joined
  // (over eight glyph heights).
  cv::Mat page = GlyphRows(2, 36, 24, 40);
  const int pitch = 24 * 3 / 4 + 2;
  cv::rectangle(page, cv::Rect(pitch * (4 + 13), 40 * 3 - 8, pitch * 10, 40), cv::Scalar(20),
                cv::FILLED);
  FindsBothLinesWhole(page, 36);
}

TEST_CASE("locate: a line cut in two by a stamp is whole beside the line stacked on it",
          "[vision][locate]") {
  // A stamp across a passport's second line wipes ten symbols out of it:
  // what is left is two rows, each long enough for a row of its own yet
  // neither half as long as the line above, and too far apart to be joined
  // (over eight glyph heights).
  // The page is turned 2 degrees, so that the halves' centres stand more
  // than half a glyph apart across the line (the row's slope out, they are
  // one line).
  cv::Mat page = GlyphRows(2, 44, 24, 40, std::tan(2.0 * CV_PI / 180));
  const int pitch = 24 * 3 / 4 + 2;
  cv::rectangle(page, cv::Rect(pitch * (4 + 17), 40 * 3 - 8, pitch * 10, 80), cv::Scalar(235),
                cv::FILLED);
  FindsBothLinesWhole(page, 44);
}

TEST_CASE("locate: lines both cut by a stamp wider than four glyphs are each whole",
          "[vision][locate]") {
  // A round stamp across the whole zone of a small photo takes seven
  // symbols out of both lines at once: no line is whole to stand beside,
  // and the halves, seven glyph widths apart, were not joined (a break of
  // four glyph heights at most: a generated world page's zone not found).
  cv::Mat page = GlyphRows(2, 44, 24, 40);
  const int pitch = 24 * 3 / 4 + 2;
  cv::rectangle(page, cv::Rect(pitch * (4 + 18), 40 * 2 - 8, pitch * 7, 80), cv::Scalar(235),
                cv::FILLED);
  cv::circle(page, {pitch * (4 + 18) + pitch * 7 / 2, 40 * 2 + 32}, pitch * 4, cv::Scalar(90), 2);
  FindsBothLinesWhole(page, 44);
}

// A band of `lines` lines of MRZ-like text in strokes of one pixel, pale
// grey on paper (a small photo's print), starting `margin` px from the
// band's left end.
const char kThinLine[] = "P<UTOERIKSSON<<ANNA<MARIA<<<";
cv::Mat ThinBand(int lines, int margin) {
  cv::Mat band(16 * lines + 24, 330 + margin, CV_8U, cv::Scalar(235));
  for (int i = 0; i < lines; ++i) {
    cv::putText(band, kThinLine, {margin, 24 + 16 * i}, cv::FONT_HERSHEY_PLAIN, 0.9,
                cv::Scalar(150), 1, cv::LINE_8);
  }
  return band;
}

TEST_CASE("lines: a small band's strokes of a pixel are a line's ink", "[vision][lines]") {
  // Two lines 9 px high: cleaning specks of a pixel away took most of the
  // strokes with them, and what was left of each line was a third of it.
  int base = 0;
  const int width = cv::getTextSize(kThinLine, cv::FONT_HERSHEY_PLAIN, 0.9, 1, &base).width;
  const auto cut = SegmentLines(ThinBand(2, 20));
  REQUIRE(cut.size() == 2);
  for (const LineImage& line : cut) {
    CHECK(line.pixels.cols / line.scale > 0.95 * width);  // the whole line
    CHECK_FALSE(line.at_band_end);
  }
  // A band that starts where the ink does was cut short of the zone.
  const auto short_band = SegmentLines(ThinBand(2, 0));
  REQUIRE(short_band.size() == 2);
  CHECK(short_band[0].at_band_end);
}

TEST_CASE("lines: a stamp's thin strokes on a line's rows do not make it twice a line",
          "[vision][lines]") {
  // A stamp's letters close above the first line: thin strokes, a sixth of
  // a line's ink in each row, that run on into its rows. Measured with them
  // the first run was twice the second, which was dropped as too short.
  cv::Mat band = ThinBand(2, 20);
  const int top = 24 - 7;  // the first line's glyph tops
  for (int x = 30; x < band.cols - 20; x += 24)
    cv::line(band, {x, top - 14}, {x + 5, top + 1}, cv::Scalar(150), 1, cv::LINE_8);
  if (const char* debug = std::getenv("TDV_VISION_DEBUG_DIR"))
    cv::imwrite(std::string(debug) + "/stamp-strokes.png", band);
  int base = 0;
  const int width = cv::getTextSize(kThinLine, cv::FONT_HERSHEY_PLAIN, 0.9, 1, &base).width;
  const auto cut = SegmentLines(band);
  REQUIRE(cut.size() == 2);
  for (const LineImage& line : cut) CHECK(line.pixels.cols / line.scale > 0.95 * width);
}

TEST_CASE("lines: a line whose first glyphs are printed pale is cut whole", "[vision][lines]") {
  // Ink fading along a line (a ribbon running dry, light falling off across
  // a photo): its first third lighter than the threshold the dark rest sets.
  // Its glyphs there fell into specks and the line's crop began after them.
  cv::Mat band(3 * 28 + 30, 520, CV_8U, cv::Scalar(235));
  for (int i = 0; i < 3; ++i) {
    cv::putText(band, "I<NORWAIWXUQC070V7<MJX9TVGT<Y2", {20, 40 + 28 * i}, cv::FONT_HERSHEY_SIMPLEX,
                0.8, cv::Scalar(40), 2, cv::LINE_AA);
  }
  cv::Mat left = band.colRange(0, band.cols / 3);
  left.convertTo(left, -1, 0.3, 235 * 0.7);  // ink ~176 on paper 235
  if (const char* debug = std::getenv("TDV_VISION_DEBUG_DIR"))
    cv::imwrite(std::string(debug) + "/pale-start.png", band);
  const auto cut = SegmentLines(band);
  REQUIRE(cut.size() == 3);
  for (const LineImage& line : cut) CHECK(line.x0 < 25);
}

// Opinions that give each character of `lines` probability 1, and a
// confidence of `own` everywhere.
struct SureOpinions {
  std::vector<std::string> lines;
  std::vector<SlotOpinions> opinions;
  std::vector<std::vector<float>> confidence;
  SureOpinions(const std::vector<std::string>& read, float own) : lines(read) {
    for (const std::string& line : lines) {
      SlotOpinions o;
      for (char c : line) {
        std::vector<float> p(std::string_view(kGlyphAlphabet).size(), 0.0f);
        p[std::string_view(kGlyphAlphabet).find(c)] = 1.0f;
        o.push_back(p);
      }
      opinions.push_back(o);
      confidence.emplace_back(line.size(), own);
    }
  }
  void Set(int line, int position, char c, float p) {
    auto& o = opinions[static_cast<std::size_t>(line - 1)][static_cast<std::size_t>(position - 1)];
    o[std::string_view(kGlyphAlphabet).find(c)] = p;
  }
  // The reading `lines` (Tesseract's read as `raw`) after MarkUnsure.
  mrz::RepairResult Mark(const std::vector<std::string>& raw) const {
    mrz::RepairResult r = *mrz::RepairMrzText(lines);
    MarkUnsure(opinions, confidence, raw, r);
    return r;
  }
  mrz::RepairResult Mark() const { return Mark(lines); }
  // The same after the learned recogniser's rule.
  mrz::RepairResult Calibrated(const std::vector<std::string>& raw) const {
    mrz::RepairResult r = *mrz::RepairMrzText(lines);
    MarkUnsureCalibrated(opinions, kCrnnSure[0], raw, r);
    return r;
  }
  mrz::RepairResult Calibrated() const { return Calibrated(lines); }
};

bool Marked(const mrz::RepairResult& r, int line, int position) {
  return std::any_of(r.uncertain.begin(), r.uncertain.end(), [&](const mrz::UncertainPosition& u) {
    return u.line == line && u.position == position;
  });
}

TEST_CASE("decide: what the classifiers agree on, or the list of codes confirms, is sure",
          "[vision][decide]") {
  // Name letter E at line 1 position 6 (ERIKSSON).
  SECTION("a faint print both classifiers read alike") {
    SureOpinions o(kTd3, 0.9f);
    o.confidence[0][5] = 0.45f;  // Tesseract unsure
    auto r = o.Mark();
    CHECK_FALSE(Marked(r, 1, 6));
    // ... unless the glyph classifier has a rival in mind too,
    o.Set(1, 6, 'F', 0.2f);
    r = o.Mark();
    CHECK(Marked(r, 1, 6));
    // ... or Tesseract is lower still.
    SureOpinions lower(kTd3, 0.9f);
    lower.confidence[0][5] = 0.3f;
    r = lower.Mark();
    CHECK(Marked(r, 1, 6));
  }
  SECTION("a state code no likely rival turns into another code") {
    // Issuing state UTO: the glyph classifier hesitates between T and I at
    // line 1 position 4, and UIO is no code: the list confirms UTO.
    SureOpinions o(kTd3, 0.9f);
    o.Set(1, 4, 'T', 0.45f);
    o.Set(1, 4, 'I', 0.40f);
    auto r = o.Mark();
    CHECK_FALSE(Marked(r, 1, 4));
    // Nationality GBR with B as likely at position 13: GBB is no code.
    std::vector<std::string> gbr = kTd3;
    gbr[0].replace(2, 3, "GBR");
    gbr[1].replace(10, 3, "GBR");
    SureOpinions g(gbr, 0.9f);
    g.Set(2, 13, 'R', 0.45f);
    g.Set(2, 13, 'B', 0.40f);
    r = g.Mark();
    CHECK_FALSE(Marked(r, 2, 13));
    // With D as likely, GBD (British overseas territories citizen) is a
    // code too: the list settles nothing.
    g.Set(2, 13, 'D', 0.40f);
    r = g.Mark();
    CHECK(Marked(r, 2, 13));
    // And a name is no code: a doubt there stays.
    SureOpinions n(kTd3, 0.9f);
    n.Set(1, 6, 'E', 0.45f);
    n.Set(1, 6, 'F', 0.40f);
    r = n.Mark();
    CHECK(Marked(r, 1, 6));
  }
}

TEST_CASE("decide: a swap of equal check-digit weight is never confirmed", "[vision][decide]") {
  // The reading holds every check digit; Tesseract read `S` where `8` was
  // chosen at line 2 position 2 (S = 28 and 8 weigh the same), every
  // character otherwise sure and confirmed by the glyph classifier.
  REQUIRE(mrz::RepairMrzText(kTd3)->checks_satisfied);
  SureOpinions o(kTd3, 0.9f);
  CHECK(o.Mark().uncertain.empty());
  std::vector<std::string> raw = kTd3;
  raw[1][1] = 'S';
  const mrz::RepairResult result = o.Mark(raw);
  REQUIRE(result.uncertain.size() == 1);
  CHECK(result.uncertain[0].line == 2);
  CHECK(result.uncertain[0].position == 2);
  CHECK(result.uncertain[0].field == "document_number");
  CHECK(result.uncertain[0].reason == "ambiguous");
  // In a name no check digit is at stake: where the glyph classifier is
  // firm, its reading over Tesseract's stands ...
  raw = kTd3;
  raw[0][5] = 'F';  // Tesseract read F, the glyph classifier E
  CHECK(o.Mark(raw).uncertain.empty());
  // ... and where it is not, the name depends on a change nothing confirms.
  o.Set(1, 6, 'E', 0.7f);
  o.Set(1, 6, 'F', 0.3f);
  const mrz::RepairResult names = o.Mark(raw);
  REQUIRE(names.uncertain.size() == 1);
  CHECK(names.uncertain[0].position == 6);
  CHECK(names.uncertain[0].reason == "unconfirmed_change");
}

TEST_CASE("decide: one calibrated probability, or a check digit of the field's own, makes sure",
          "[vision][decide][crnn]") {
  SureOpinions o(kTd3, 1.0f);
  CHECK(o.Calibrated().uncertain.empty());
  SECTION("below the threshold in a name: uncertain, whatever else holds") {
    o.Set(1, 6, 'E', kCrnnSure[0] - 0.05f);  // ERIKSSON's E
    const auto r = o.Calibrated();
    REQUIRE(r.uncertain.size() == 1);
    CHECK(r.uncertain[0].position == 6);
    CHECK(r.uncertain[0].reason == "low_confidence");
  }
  SECTION("at the threshold: sure on the model's word") {
    o.Set(1, 6, 'E', kCrnnSure[0]);
    CHECK(o.Calibrated().uncertain.empty());
  }
  SECTION("the only doubtful character of a field whose check digit holds: confirmed") {
    // Document number L898902C3, its C at line 2 position 8.
    o.Set(2, 8, 'C', 0.6f);
    o.Set(2, 8, 'G', 0.3f);
    CHECK(o.Calibrated().uncertain.empty());
    // Two doubtful characters under one check digit: both stay.
    o.Set(2, 2, '8', 0.6f);
    o.Set(2, 2, 'B', 0.3f);
    const auto r = o.Calibrated();
    CHECK(Marked(r, 2, 8));
    CHECK(Marked(r, 2, 2));
  }
  SECTION("a rival of equal check-digit weight keeps the doubt") {
    // Document number L898902C3: its 0 at line 2 position 6; U weighs the
    // same and may stand there.
    o.Set(2, 6, '0', 0.7f);
    o.Set(2, 6, 'U', kEqualWeightRival + 0.05f);
    CHECK(Marked(o.Calibrated(), 2, 6));
    o.Set(2, 6, 'U', kEqualWeightRival - 0.05f);
    CHECK_FALSE(Marked(o.Calibrated(), 2, 6));
  }
  SECTION("where the format admits few characters, the model's weight on others is no rival") {
    // The composite check digit 0 (line 2 position 44) and the birth
    // date's 0 (position 16), read half as O or U.
    o.Set(2, 44, '0', 0.6f);
    o.Set(2, 44, 'O', 0.4f);
    o.Set(2, 16, '0', 0.55f);
    o.Set(2, 16, 'U', 0.45f);
    auto r = o.Calibrated();
    CHECK_FALSE(Marked(r, 2, 44));
    CHECK_FALSE(Marked(r, 2, 16));
    // A digit as rival is one.
    o.Set(2, 44, '8', 0.3f);
    CHECK(Marked(o.Calibrated(), 2, 44));
    // A passport's document code is P: a rival letter there is none.
    o.Set(1, 1, 'P', 0.6f);
    o.Set(1, 1, 'F', 0.4f);
    CHECK_FALSE(Marked(o.Calibrated(), 1, 1));
    // In a name, a digit's weight still counts (names are read on the
    // model's word): ERIKSSON's O at line 1 position 12.
    o.Set(1, 12, 'O', 0.6f);
    o.Set(1, 12, '0', 0.4f);
    CHECK(Marked(o.Calibrated(), 1, 12));
  }
  SECTION("a letter where only digits may stand is never sure") {
    // The document number's check digit (line 2 position 10) read `X` with
    // all the model's weight: a misread 7, not a reading to vouch for.
    std::vector<std::string> read = kTd3;
    read[1][9] = 'X';
    const auto r = SureOpinions(read, 1.0f).Calibrated();
    REQUIRE(r.lines[1][9] == 'X');  // read as printed
    CHECK(Marked(r, 2, 10));
    // Where issuers print what Doc 9303 does not foresee, the model's word
    // stands: a card's code `C1` (US permanent resident cards).
    std::vector<std::string> card = {"C1USA0000000000<<<<<<<<<<<<<<<",
                                     "7001017M3001016USA<<<<<<<<<<<2",
                                     "DOE<<JOHN<<<<<<<<<<<<<<<<<<<<<"};
    CHECK_FALSE(Marked(SureOpinions(card, 1.0f).Calibrated(), 1, 2));
  }
  SECTION("a change of equal weight from what the model read: ambiguous") {
    std::vector<std::string> raw = kTd3;
    raw[1][1] = 'S';  // read S, the reading has 8
    const auto r = o.Calibrated(raw);
    REQUIRE(r.uncertain.size() == 1);
    CHECK(r.uncertain[0].reason == "ambiguous");
  }
  SECTION("no opinion (nothing read there) is no confirmation") {
    o.opinions[0][10].clear();
    CHECK(Marked(o.Calibrated(), 1, 11));
  }
}

TEST_CASE("crnn: the model loads, refuses what is not a model, reads no ink as nothing",
          "[vision][crnn]") {
  CHECK(LineRecogniser::Load({"/nonexistent/mrz_crnn.onnx"}) == nullptr);
  CHECK(LineRecogniser::Load({(kModels / "mrz_glyphs.yml.gz").string()}) == nullptr);
  const auto model = LineRecogniser::Load({(kModels / "mrz_crnn.onnx").string()});
  REQUIRE(model != nullptr);
  std::vector<std::vector<float>> opinions;
  float confidence = 1;
  CHECK(model->Read(cv::Mat(60, 900, CV_8U, cv::Scalar(230)), opinions, confidence).empty());
  CHECK(opinions.empty());
  CHECK(confidence == 0.0f);
}

TEST_CASE("crnn: the ensemble loads only whole, and a reader without its second model says which",
          "[vision][crnn]") {
  const std::string first = (kModels / "mrz_crnn.onnx").string(),
                    second = (kModels / "mrz_crnn_2.onnx").string();
  CHECK(LineRecogniser::Load({first, second}) != nullptr);
  CHECK(LineRecogniser::Load({first, "/nonexistent/mrz_crnn_2.onnx"}) == nullptr);
  CHECK(LineRecogniser::Load({first, (kModels / "mrz_glyphs.yml.gz").string()}) == nullptr);
  CHECK(LineRecogniser::Load({}) == nullptr);
  // A model directory whose second model is not one: the reader refuses to
  // start and names the files, rather than read with half its ensemble.
  const fs::path dir = fs::temp_directory_path() / ("tdv-models-" + std::to_string(::getpid()));
  fs::create_directories(dir);
  fs::copy_file(first, dir / "mrz_crnn.onnx", fs::copy_options::overwrite_existing);
  std::ofstream(dir / "mrz_crnn_2.onnx") << "not a network";
  ReaderOptions o;
  o.model_dir = dir.string();
  auto broken = MrzReader::Create(o);
  fs::remove_all(dir);
  REQUIRE_FALSE(broken.has_value());
  CHECK(broken.error().message.find("mrz_crnn_2.onnx") != std::string::npos);
  // Members are taken in turn up to the first number missing, three at
  // most: a whole second model and a broken third still refuse, naming the
  // third; a broken fifth is never read.
  fs::create_directories(dir);
  fs::copy_file(first, dir / "mrz_crnn.onnx", fs::copy_options::overwrite_existing);
  fs::copy_file(second, dir / "mrz_crnn_2.onnx", fs::copy_options::overwrite_existing);
  std::ofstream(dir / "mrz_crnn_3.onnx") << "not a network either";
  auto third = MrzReader::Create(o);
  REQUIRE_FALSE(third.has_value());
  CHECK(third.error().message.find("mrz_crnn_3.onnx") != std::string::npos);
  fs::rename(dir / "mrz_crnn_3.onnx", dir / "mrz_crnn_5.onnx");
  CHECK(MrzReader::Create(o).has_value());
  fs::remove_all(dir);
}

OcrSymbol Symbol(int left, char c) {
  OcrSymbol s;
  s.left = left;
  s.right = left + 20;
  s.top = 10;
  s.bottom = 50;
  s.read = c;
  s.choices = {{c, 0.9f}};
  return s;
}

// Each slot's first candidate, in order.
std::string SlotsText(const mrz::LineCandidates& slots) {
  std::string read;
  for (const auto& s : slots) read.push_back(s.front().ch);
  return read;
}

TEST_CASE("classify: a speck beside a line does not shift its slots", "[vision][classify]") {
  std::vector<OcrSymbol> symbols;
  symbols.push_back(Symbol(0, 'I'));  // a card's edge, far to the left
  for (int i = 0; i < 30; ++i)
    symbols.push_back(Symbol(100 + 30 * i, kTd3[0][static_cast<std::size_t>(i)]));
  std::vector<const OcrSymbol*> origin;
  const mrz::LineCandidates slots = ToSlots(symbols, 30, origin);
  CHECK(SlotsText(slots) == kTd3[0].substr(0, 30));
  CHECK(origin[0] == &symbols[1]);
}

TEST_CASE("classify: neighbours read close together each keep a slot, in order",
          "[vision][classify]") {
  // A learned recogniser's `22` peaking a sixth of a pitch apart: both
  // round to one slot; each moves half a slot instead of one being lost.
  std::vector<OcrSymbol> symbols;
  const std::string line = "X1612284";
  for (int i = 0; i < 8; ++i) {
    const int x = i == 4 ? 100 + 30 * 4 + 5 : i == 5 ? 100 + 30 * 5 - 20 : 100 + 30 * i;
    symbols.push_back(Symbol(x, line[static_cast<std::size_t>(i)]));
  }
  std::vector<const OcrSymbol*> origin;
  const mrz::LineCandidates slots = ToSlots(symbols, 8, origin);
  CHECK(SlotsText(slots) == line);
  for (std::size_t i = 0; i < 8; ++i) CHECK(origin[i] == &symbols[i]);
  // The assignment itself: in order, one to a slot, near where each was read.
  CHECK(AssignSlots({0, 1, 2.6, 2.9, 4}, {1, 1, 1, 1, 1}, 6) == std::vector<int>{0, 1, 2, 3, 4});
  // A slot left empty where nothing was read (a faint filler).
  CHECK(AssignSlots({0, 1, 3, 4}, {1, 1, 1, 1}, 5) == std::vector<int>{0, 1, 3, 4});
  // More symbols than slots: the least sure of two read at one place goes.
  CHECK(AssignSlots({0, 1, 1.9, 2.1, 3}, {1, 1, 0.3f, 0.9f, 1}, 4) ==
        std::vector<int>{0, 1, -1, 2, 3});
  CHECK(AssignSlots({}, {}, 4).empty());
  // A symbol set far beyond the line's ends (where ToSlots has no position
  // for it) is left out, the rest keep their slots.
  CHECK(AssignSlots({-16, 0, 1, 2}, {1, 1, 1, 1}, 8) == std::vector<int>{-1, 0, 1, 2});
}

TEST_CASE("classify: as many symbols as slots each keep their slot, in order",
          "[vision][classify]") {
  // A learned recogniser's symbol positions drifting two thirds of a pitch
  // short along the middle of a line (CTC columns a third of a pitch wide):
  // the assignment alone would drop the symbol where the drift begins and
  // leave a slot empty where it ends. Read whole, every symbol is placed.
  const std::string line = "P<D<<MUSTERMANN<<ERIKA<<<<<<<<";
  std::vector<OcrSymbol> symbols;
  for (int i = 0; i < 30; ++i) {
    const int drift = i >= 8 && i <= 26 ? -20 : i == 7 ? -8 : 0;
    symbols.push_back(Symbol(100 + 30 * i + drift, line[static_cast<std::size_t>(i)]));
  }
  std::vector<const OcrSymbol*> origin;
  const mrz::LineCandidates slots = ToSlots(symbols, 30, origin);
  CHECK(SlotsText(slots) == line);
  for (std::size_t i = 0; i < 30; ++i) CHECK(origin[i] == &symbols[i]);
  // One symbol fewer: the positions decide where the slot stays empty.
  symbols.clear();
  for (int i = 0; i < 30; ++i) {
    if (i != 20) symbols.push_back(Symbol(100 + 30 * i, line[static_cast<std::size_t>(i)]));
  }
  ToSlots(symbols, 30, origin);
  CHECK(origin[20] == nullptr);
  CHECK(origin[21] == &symbols[20]);
}

TEST_CASE("classify: the lines of a zone start and end at one column", "[vision][classify]") {
  // Lines of 30 slots, a pitch of 10 columns, the zone from 100 to 390.
  const auto span = [](double first, double last) { return LineSpan{first, last, 10}; };
  // A mark before the second line read as a symbol (31 read): its first
  // slot is where the other two start, its own first symbol left before it.
  auto ends = ZoneEnds({span(100, 390), span(90, 390), span(100, 390)}, {30, 31, 30}, 30);
  REQUIRE(ends.size() == 3);
  CHECK_FALSE(ends[0].has_value());
  REQUIRE(ends[1].has_value());
  CHECK(ends[1]->first == 100);
  CHECK(ends[1]->last == 390);
  CHECK_FALSE(ends[2].has_value());
  // The first line's first symbol not read (29): anchored a pitch further out.
  ends = ZoneEnds({span(110, 390), span(100, 390), span(100, 390)}, {29, 30, 30}, 30);
  REQUIRE(ends[0].has_value());
  CHECK(ends[0]->first == 100);
  // Two lines with a mark before them and one line read whole: the whole
  // line (as many symbols as slots) says where the zone starts.
  ends = ZoneEnds({span(100, 390), span(90, 390), span(90, 390)}, {30, 31, 31}, 30);
  CHECK_FALSE(ends[0].has_value());
  REQUIRE(ends[1].has_value());
  CHECK(ends[1]->first == 100);
  REQUIRE(ends[2].has_value());
  CHECK(ends[2]->first == 100);
  // A faint last filler of a passport's second line not read: its last slot
  // where the first line ends.
  ends = ZoneEnds({span(100, 530), span(100, 520)}, {44, 43}, 44);
  CHECK_FALSE(ends[0].has_value());
  REQUIRE(ends[1].has_value());
  CHECK(ends[1]->last == 530);
  // Two lines of two lengths that agree within half a pitch: each its own.
  ends = ZoneEnds({span(100, 530), span(103, 528)}, {44, 44}, 44);
  CHECK_FALSE(ends[0].has_value());
  CHECK_FALSE(ends[1].has_value());
  // A mark beyond the first line's end read as two symbols (38 of 36),
  // three and a half pitches out: each symbol too many reaches a pitch
  // further, so the line still ends where the second (36 read) does. Read
  // as one symbol too many it is a pitch short of that reach.
  ends = ZoneEnds({span(100, 386), span(100, 350)}, {38, 36}, 36);
  REQUIRE(ends[0].has_value());
  CHECK(ends[0]->last == 350);
  CHECK_FALSE(ends[1].has_value());
  ends = ZoneEnds({span(100, 396), span(100, 350)}, {37, 36}, 36);
  CHECK_FALSE(ends[0].has_value());
  // Further apart than a few pitches, or a line with nothing read: no zone.
  ends = ZoneEnds({span(100, 530), span(160, 530)}, {44, 40}, 44);
  CHECK_FALSE(ends[1].has_value());
  ends = ZoneEnds({span(100, 530), std::nullopt}, {44, 0}, 44);
  CHECK_FALSE(ends[0].has_value());
  // Where a line runs: its first and last symbols' centres, the median step.
  std::vector<OcrSymbol> symbols;
  for (int i = 0; i < 10; ++i) symbols.push_back(Symbol(100 + 30 * i, 'A'));
  const auto own = SpanOf(symbols);
  REQUIRE(own.has_value());
  CHECK(own->first == 110);
  CHECK(own->last == 380);
  CHECK(own->pitch == 30);
  CHECK_FALSE(SpanOf({symbols[0]}).has_value());
  // A line's symbols placed between the ends it is given: the mark a pitch
  // before them is left out, the rest keep their slots.
  std::vector<OcrSymbol> marked = {Symbol(70, 'T')};
  for (int i = 0; i < 8; ++i) marked.push_back(Symbol(100 + 30 * i, "X1612284"[i]));
  std::vector<const OcrSymbol*> origin;
  const mrz::LineCandidates slots = ToSlots(marked, 8, origin, SlotEnds{110, 320});
  CHECK(SlotsText(slots) == "X1612284");
}

TEST_CASE("glyphs: the model loads and reads rendered OCR-B glyphs", "[vision][glyphs]") {
  const auto classifier = GlyphClassifier::Load((kModels / "mrz_glyphs.yml.gz").string());
  REQUIRE(classifier != nullptr);
  CHECK(GlyphClassifier::Load("/nonexistent/mrz_glyphs.yml.gz") == nullptr);
  CHECK(GlyphClassifier::Load((kModels / "mrz.traineddata").string()) == nullptr);
  // A clean line cut from a committed sample: each symbol box classified.
  // (The sample's first line is known from its ground truth; boxes are found
  // as the connected glyphs of a binarised, upscaled crop would be, by
  // column gaps of the line image written here.)
  cv::Mat line(48, 30 * 28 + 20, CV_8U, cv::Scalar(255));
  const std::string text = "P<UTO0123456789";
  std::vector<cv::Rect> boxes;
  for (std::size_t i = 0; i < text.size(); ++i) {
    const int x = 10 + static_cast<int>(i) * 28;
    // Simple strokes standing in for glyphs are not OCR-B: only check that
    // every box gets a probability distribution.
    cv::rectangle(line, {x + 4, 8, 16, 32}, cv::Scalar(0), 3);
    boxes.emplace_back(x + 2, 6, 22, 36);
  }
  const LineMetrics metrics = MeasureLine(boxes);
  for (const cv::Rect& b : boxes) {
    const auto p = classifier->Classify(GlyphFeatures(line, b, metrics));
    float sum = 0;
    for (float v : p) sum += v;
    CHECK(sum == Approx(1.0f).epsilon(1e-3));
  }
}

std::vector<std::uint8_t> Encode(const cv::Mat& img) {
  std::vector<std::uint8_t> out;
  cv::imencode(".png", img, out);
  return out;
}

const MrzReader& Reader() {
  static const std::unique_ptr<MrzReader> reader = [] {
    ReaderOptions o;
    o.model_dir = kModels.string();
    return std::move(MrzReader::Create(o).value());
  }();
  return *reader;
}

std::vector<std::string> Truth(const std::string& name) {
  std::ifstream in(kSamples / (name + ".expected.json"));
  return nlohmann::json::parse(in).at("mrz").get<std::vector<std::string>>();
}

// Each committed sample image with an MRZ (generated OCR-B print: clean,
// moderate, hard, steep, turned), read by `recogniser`: how many characters
// its first reading got right before any check-digit repair, of how many,
// and how many wrong characters of the final reading were let through as
// sure.
struct SampleScore {
  int right = 0, total = 0, lines_read = 0, sure_wrong = 0;
};

SampleScore ScoreSamples(const std::string& recogniser) {
  ReaderOptions o;
  o.model_dir = kModels.string();
  o.recogniser = recogniser;
  auto reader = MrzReader::Create(o);
  REQUIRE(reader.has_value());
  SampleScore score;
  for (const auto& f : fs::directory_iterator(kSamples)) {
    const std::string name = f.path().filename().string();
    if (name.size() < 14 || name.substr(name.size() - 14) != ".expected.json") continue;
    std::ifstream expected(f.path());
    const nlohmann::json j = nlohmann::json::parse(expected);
    if (!j["mrz"].is_array()) continue;  // a page without an MRZ
    const auto truth = j["mrz"].get<std::vector<std::string>>();
    std::string image = f.path().string();
    image = image.substr(0, image.size() - 14) + ".jpg";
    std::ifstream in(image, std::ios::binary);
    const std::vector<std::uint8_t> bytes{std::istreambuf_iterator<char>(in), {}};
    auto r = (*reader)->Read(bytes);
    for (const auto& line : truth) score.total += static_cast<int>(line.size());
    INFO(name);
    if (!r.has_value() || r->raw_lines.size() != truth.size()) continue;
    for (std::size_t l = 0; l < truth.size(); ++l) {
      const std::string& raw = r->raw_lines[l];
      for (std::size_t p = 0; p < truth[l].size() && p < raw.size(); ++p)
        score.right += raw[p] == truth[l][p];
      score.lines_read += raw == truth[l];
      for (std::size_t p = 0; p < truth[l].size() && p < r->lines[l].size(); ++p) {
        if (r->lines[l][p] == truth[l][p]) continue;
        bool doubted = false;
        for (const auto& u : r->repair.uncertain)
          doubted = doubted ||
                    (u.line == static_cast<int>(l) + 1 && u.position == static_cast<int>(p) + 1);
        score.sure_wrong += !doubted;
      }
    }
  }
  return score;
}

TEST_CASE("models: each recogniser reads the samples' print before any repair",
          "[vision][models]") {
  // The learned line recogniser (the default) and Tesseract with the glyph
  // classifier as its second opinion, on the same images.
  for (const auto& [recogniser, at_least] : {std::pair<std::string, double>{"crnn", 0.995},
                                             std::pair<std::string, double>{"tesseract", 0.98}}) {
    const SampleScore s = ScoreSamples(recogniser);
    INFO(recogniser << ": " << s.right << " of " << s.total << " characters right, " << s.lines_read
                    << " lines exact, " << s.sure_wrong << " wrong and sure");
    CHECK(s.total > 1000);
    CHECK(double(s.right) / s.total >= at_least);
    CHECK(s.sure_wrong == 0);
  }
}

TEST_CASE("reader: a dark frame round the page does not hide the MRZ", "[vision][locate]") {
  const cv::Mat page =
      cv::imread((kSamples / "td3-moderate-001.jpg").string(), cv::IMREAD_GRAYSCALE);
  REQUIRE_FALSE(page.empty());
  cv::Mat framed = page.clone();
  cv::rectangle(framed, {0, 0, framed.cols, framed.rows}, cv::Scalar(0), 6);
  auto r = Reader().Read(Encode(framed));
  REQUIRE(r.has_value());
  CHECK(r->lines == Truth("td3-moderate-001"));
}

TEST_CASE("reader: a coloured stamp across the zone is looked through", "[vision][locate]") {
  // A red "SPECIMEN" stamped across a passport's first line, its ink
  // multiplying the page's (black stays black, paper turns red): in grey
  // the stamp is as dark as the glyphs and the line reads short (no
  // reading); through the brightest channel it is light and the zone reads.
  const cv::Mat page = cv::imread((kSamples / "td3-moderate-001.jpg").string(), cv::IMREAD_COLOR);
  REQUIRE_FALSE(page.empty());
  // The stamp turned 8 degrees across the line, as stamps are.
  cv::Mat mask = cv::Mat::zeros(page.size(), CV_8U);
  cv::putText(mask, "SPECIMEN", {280, 935}, cv::FONT_HERSHEY_DUPLEX, 2.0, cv::Scalar(255), 8,
              cv::LINE_AA);
  cv::warpAffine(mask, mask, cv::getRotationMatrix2D({500, 925}, -8, 1.0), mask.size());
  cv::Mat stamped = page.clone();
  for (int y = 0; y < page.rows; ++y) {
    for (int x = 0; x < page.cols; ++x) {
      const double m = mask.at<std::uint8_t>(y, x) / 255.0;
      auto& px = stamped.at<cv::Vec3b>(y, x);
      const cv::Vec3d ink(40 / 255.0, 40 / 255.0, 220 / 255.0);  // BGR: red
      for (int c = 0; c < 3; ++c)
        px[c] = cv::saturate_cast<std::uint8_t>(px[c] * (1 - m + m * ink[c]));
    }
  }
  cv::Mat grey;
  cv::cvtColor(stamped, grey, cv::COLOR_BGR2GRAY);
  const auto in_grey = Reader().Read(Encode(grey));
  CHECK((!in_grey.has_value() || in_grey->lines != Truth("td3-moderate-001")));
  const auto in_colour = Reader().Read(Encode(stamped));
  REQUIRE(in_colour.has_value());
  CHECK(in_colour->lines == Truth("td3-moderate-001"));
}

// A committed sample read whole (exactly), and the bounding box of its MRZ.
struct ReadSample {
  cv::Mat page;
  cv::Rect zone;
};
ReadSample ReadWhole(const std::string& name) {
  ReadSample out;
  out.page = cv::imread((kSamples / (name + ".jpg")).string(), cv::IMREAD_GRAYSCALE);
  REQUIRE_FALSE(out.page.empty());
  auto whole = Reader().Read(Encode(out.page));
  REQUIRE(whole.has_value());
  REQUIRE(whole->lines == Truth(name));
  std::vector<cv::Point> corners;
  for (const auto& p : whole->polygon)
    corners.emplace_back(static_cast<int>(p.x), static_cast<int>(p.y));
  out.zone = cv::boundingRect(corners);
  return out;
}

// `page` (written to TDV_VISION_DEBUG_DIR as `file` when set) reads as the
// sample `name` is printed.
void ReadsAs(const cv::Mat& page, const std::string& name, const std::string& file) {
  if (const char* debug = std::getenv("TDV_VISION_DEBUG_DIR"))
    cv::imwrite(std::string(debug) + "/" + file, page);
  auto read = Reader().Read(Encode(page));
  REQUIRE(read.has_value());
  CHECK(read->lines == Truth(name));
}

TEST_CASE("reader: a zone cut close by the image's edge reads as printed", "[vision][lines]") {
  // A scan of the MRZ alone, or a page cropped at its last line: beyond the
  // edge lies paper, not the edge row of ink drawn out into streaks.
  const std::string name = "mrva-clean-003";
  const ReadSample sample = ReadWhole(name);
  const cv::Mat& page = sample.page;
  const cv::Rect& zone = sample.zone;
  const auto cut = [&](int x0, int y0, int x1, int y1) {
    return page(cv::Rect(cv::Point(x0, y0), cv::Point(x1, y1))).clone();
  };
  const int l = zone.x, r = zone.x + zone.width - 1, t = zone.y, b = zone.y + zone.height - 1;
  // The page down to its MRZ's last row of ink, and the MRZ alone.
  for (const cv::Mat& crop : {cut(0, 0, page.cols, b - 1), cut(l + 2, t, r, b)}) {
    auto read = Reader().Read(Encode(crop));
    REQUIRE(read.has_value());
    CHECK(read->lines == Truth(name));
  }
}

TEST_CASE("reader: a row of print in the MRZ's band is not taken for a line", "[vision][lines]") {
  // The band a strip of MRZ makes takes in the guilloche's edge over it (a
  // wave of the line height): a row of ink too short to be an MRZ line at
  // the band's edge is left out, not read as a third line.
  const std::string name = "mrva-clean-003";
  const ReadSample sample = ReadWhole(name);
  const cv::Mat& page = sample.page;
  const cv::Rect& zone = sample.zone;
  const int line = zone.height / 3;
  cv::Mat strip(zone.height + 2 * line, zone.width + 40, CV_8U, cv::Scalar(235));
  page(zone).copyTo(strip(cv::Rect(20, 2 * line, zone.width, zone.height)));
  std::vector<cv::Point> wave;
  for (int x = 20; x < strip.cols - 20; x += 2) {
    wave.emplace_back(x, 2 * line - line / 2 + static_cast<int>(line / 4.0 * std::sin(x / 9.0)));
  }
  cv::polylines(strip, wave, false, cv::Scalar(40), 3);
  ReadsAs(strip, name, "wave.png");
}

TEST_CASE("reader: the dark page beyond a card's edges is neither a line's rows nor a symbol",
          "[vision][lines]") {
  // A card photographed on a dark table, its zone close by the card's
  // edges. The table beside the zone's band runs its whole height: it
  // lifted every row's count of ink, so the last line and the rows below it
  // made one run of twice the line height and the line was lost; and cut
  // into each line's rows, it was read as a symbol at both ends.
  const std::string name = "td1-clean-000";
  const ReadSample sample = ReadWhole(name);
  const cv::Rect& zone = sample.zone;
  const int line = zone.height / 3;
  const auto on_table = [&](int left, int right, int top, int bottom) {
    cv::Mat card(zone.height + 2 * line + top + bottom, zone.width + 2 * line + left + right, CV_8U,
                 cv::Scalar(60));
    card(cv::Rect(line, 0, zone.width + left + right, zone.height + top + bottom)).setTo(225);
    sample.page(zone).copyTo(card(cv::Rect(line + left, top, zone.width, zone.height)));
    return card;
  };
  // A quarter of a line's height of paper beyond the zone's end, a line's
  // height below; and a line and a half beside both ends.
  for (const cv::Mat& card : {on_table(line / 2, line / 4, line, line),
                              on_table(3 * line / 2, 3 * line / 2, line / 2, line / 2)}) {
    ReadsAs(card, name, "table.png");
  }
}

TEST_CASE("reader: pale print close above the dark page beyond a card's edge is read",
          "[vision][lines]") {
  // A card printed pale on a dark table, its edge a little below the zone:
  // the table is the band's darkest grey, one threshold fell between it and
  // everything else, and the pale lines went with the paper (no lines, no
  // reading).
  const std::string name = "td1-clean-000";
  const ReadSample sample = ReadWhole(name);
  const cv::Rect& zone = sample.zone;
  const int line = zone.height / 3;
  cv::Mat card(zone.height + 3 * line, zone.width + 4 * line, CV_8U, cv::Scalar(30));
  card(cv::Rect(0, 0, card.cols, 2 * line + zone.height + line / 3)).setTo(235);
  cv::Mat pale;
  sample.page(zone).convertTo(pale, -1, 0.35, 235 * 0.65);  // ink ~170 on paper ~230
  pale.copyTo(card(cv::Rect(2 * line, 2 * line, zone.width, zone.height)));
  // As small as a phone's photo of a whole page has it: strokes of a pixel.
  cv::resize(card, card, cv::Size(), 0.4, 0.4, cv::INTER_AREA);
  ReadsAs(card, name, "pale-edge.png");
}

TEST_CASE("reader: a stamp's ring across the zone leaves the glyphs it touches",
          "[vision][lines]") {
  // A round stamp over the zone, its ring crossing every line: one thin
  // curve taller than the band, and every glyph it touches part of it.
  // Painted out whole as a mark it took those glyphs with it.
  const std::string name = "td1-clean-000";
  const ReadSample sample = ReadWhole(name);
  cv::Mat page = sample.page.clone();
  const cv::Rect& zone = sample.zone;
  const cv::Point centre(zone.x + zone.width / 2, zone.y + zone.height / 2);
  cv::circle(page, centre, zone.height * 3 / 4, cv::Scalar(90), 2, cv::LINE_AA);
  ReadsAs(page, name, "ring.png");
}

TEST_CASE("reader: a first glyph touching print beside the zone stays the line's",
          "[vision][lines]") {
  // Cards print text turned 90 degrees up the zone's left edge; where it
  // touches a line's first glyph, glyph and print are one blob taller than
  // a character. Painted out whole as a mark, it took the first `I` with it
  // (the line read from its second symbol, its first slot empty).
  const std::string name = "td1-clean-000";
  const ReadSample sample = ReadWhole(name);
  const cv::Rect& zone = sample.zone;
  const int line = zone.height / 3;
  cv::Mat page(zone.height + 2 * line, zone.width + 4 * line, CV_8U, cv::Scalar(230));
  const int left = 2 * line;
  sample.page(zone).copyTo(page(cv::Rect(left, line, zone.width, zone.height)));
  // The print: capitals of half a line's height, turned, in a column whose
  // right edge runs into the first glyphs' left edge.
  cv::Mat text(line / 2 + 4, 2 * (zone.height + 2 * line), CV_8U, cv::Scalar(0));
  cv::putText(text, "REPUBLIC OF UTOPIA IDENTITY CARD", {0, text.rows - 2},
              cv::FONT_HERSHEY_SIMPLEX, line / 2 / 22.0, cv::Scalar(255), std::max(1, line / 12),
              cv::LINE_AA);
  cv::rotate(text, text, cv::ROTATE_90_COUNTERCLOCKWISE);
  const cv::Rect column(left - text.cols + 3, 0, text.cols, page.rows);
  cv::Mat ink = text(cv::Rect(0, text.rows - page.rows, text.cols, page.rows));
  page(column).setTo(cv::Scalar(40), ink > 128);
  ReadsAs(page, name, "edge-print.png");
}

TEST_CASE("reader: a web-size copy is still found and read", "[vision][locate]") {
  const cv::Mat page =
      cv::imread((kSamples / "td3-moderate-001.jpg").string(), cv::IMREAD_GRAYSCALE);
  REQUIRE_FALSE(page.empty());
  cv::Mat small;
  const double f = 600.0 / std::max(page.cols, page.rows);
  cv::resize(page, small, cv::Size(), f, f, cv::INTER_AREA);
  auto r = Reader().Read(Encode(small));
  REQUIRE(r.has_value());
  CHECK(r->lines == Truth("td3-moderate-001"));
}

TEST_CASE("reader: pages 400 pixels wide are found and read, in every layout", "[vision][locate]") {
  // Issue 23: pages down to 400 px wide are found. At that width a card's
  // capitals are 7-8 px high, a passport's 6-7.
  for (const char* name : {"td1-moderate-004", "td2-moderate-007", "td3-moderate-001"}) {
    CAPTURE(name);
    const cv::Mat page =
        cv::imread((kSamples / (std::string(name) + ".jpg")).string(), cv::IMREAD_GRAYSCALE);
    REQUIRE_FALSE(page.empty());
    REQUIRE(page.cols > 400);
    cv::Mat small;
    const double f = 400.0 / page.cols;
    cv::resize(page, small, cv::Size(), f, f, cv::INTER_AREA);
    REQUIRE(small.cols == 400);
    auto r = Reader().Read(Encode(small));
    REQUIRE(r.has_value());
    CHECK(r->lines == Truth(name));
  }
}

TEST_CASE("reader: every character of a clean sample has its confidence; nothing uncertain",
          "[vision][decide]") {
  std::ifstream in(kSamples / "td1-clean-000.jpg", std::ios::binary);
  const std::vector<std::uint8_t> bytes{std::istreambuf_iterator<char>(in), {}};
  auto r = Reader().Read(bytes);
  REQUIRE(r.has_value());
  REQUIRE(r->char_confidence.size() == r->lines.size());
  for (std::size_t l = 0; l < r->lines.size(); ++l) {
    CHECK(r->char_confidence[l].size() == r->lines[l].size());
    for (float c : r->char_confidence[l]) CHECK((c >= 0.0f && c <= 1.0f));
  }
  CHECK(r->repair.uncertain.empty());
}

TEST_CASE("reader: a smudged name is uncertain, never silently read", "[vision][decide]") {
  // Ink over part of the name: whatever is read there, the reading must
  // either be right or mark the position.
  const std::string name = "td1-clean-000";
  cv::Mat page = cv::imread((kSamples / (name + ".jpg")).string(), cv::IMREAD_GRAYSCALE);
  REQUIRE_FALSE(page.empty());
  auto clean = Reader().Read(Encode(page));
  REQUIRE(clean.has_value());
  const auto truth = Truth(name);
  REQUIRE(clean->lines == truth);
  // The third line (name) sits near the bottom: blot a few glyphs of it.
  const cv::Point2f a(clean->polygon[0].x, clean->polygon[0].y);
  float bottom = 0, left = 1e9f, right = 0;
  for (const auto& p : clean->polygon) {
    bottom = std::max(bottom, p.y);
    left = std::min(left, p.x);
    right = std::max(right, p.x);
  }
  const int w = static_cast<int>(right - left);
  cv::Mat smudged = page.clone();
  const int y = static_cast<int>(bottom) - static_cast<int>(0.1 * w / 3);
  // A smear: the glyphs blurred and darkened as by a wet thumb.
  const cv::Rect blot(static_cast<int>(left) + w / 10, y - w / 40, w / 12, w / 25);
  cv::GaussianBlur(smudged(blot), smudged(blot), {0, 0}, 6);
  smudged(blot).convertTo(smudged(blot), -1, 0.8, 0);
  (void)a;
  if (const char* debug = std::getenv("TDV_VISION_DEBUG_DIR"))
    cv::imwrite(std::string(debug) + "/smudged.png", smudged);
  auto r = Reader().Read(Encode(smudged));
  // Two lines of three are untouched: the zone is found.
  REQUIRE(r.has_value());
  REQUIRE(r->lines.size() == truth.size());
  // The smudge reached the reading (else this test would prove nothing):
  // a name position read otherwise or marked, or read with less confidence.
  bool touched = false;
  for (std::size_t p = 0; p < r->lines[2].size(); ++p) {
    touched = touched || r->lines[2][p] != truth[2][p] ||
              r->char_confidence[2][p] < clean->char_confidence[2][p] - 0.05f;
  }
  for (const auto& u : r->repair.uncertain) touched = touched || u.line == 3;
  CHECK(touched);
  bool wrong_and_unmarked = false;
  for (std::size_t l = 0; l < r->lines.size() && l < truth.size(); ++l) {
    for (std::size_t p = 0; p < r->lines[l].size(); ++p) {
      if (r->lines[l][p] == truth[l][p]) continue;
      const bool marked = std::any_of(r->repair.uncertain.begin(), r->repair.uncertain.end(),
                                      [&](const mrz::UncertainPosition& u) {
                                        return u.line == int(l) + 1 && u.position == int(p) + 1;
                                      });
      if (!marked)
        UNSCOPED_INFO("line " << l + 1 << " position " << p + 1 << ": read " << r->lines[l][p]
                              << ", printed " << truth[l][p]);
      wrong_and_unmarked = wrong_and_unmarked || !marked;
    }
  }
  CHECK_FALSE(wrong_and_unmarked);
}

TEST_CASE("reader: without the glyph model the reader does not start", "[vision][glyphs]") {
  const fs::path dir = fs::temp_directory_path() / "tdv-no-glyph-model";
  fs::create_directories(dir);
  fs::copy_file(kModels / "mrz.traineddata", dir / "mrz.traineddata",
                fs::copy_options::overwrite_existing);
  fs::remove(dir / "mrz_glyphs.yml.gz");
  ReaderOptions o;
  o.model_dir = dir.string();
  o.recogniser = "tesseract";
  auto r = MrzReader::Create(o);
  REQUIRE_FALSE(r.has_value());
  CHECK(r.error().code == ErrorCode::kUnavailable);
  CHECK(r.error().message.find("mrz_glyphs.yml.gz") != std::string::npos);
  fs::remove_all(dir);
}

}  // namespace
}  // namespace tdv::vision::internal
