// SPDX-License-Identifier: Apache-2.0
// DataMatrix seals found in real images: printed by tools/testpki (libdmtx
// encoder + OpenCV) onto the committed visa sample and onto 2 MP pages,
// rotated, inverted, noisy and off-centre.
#include "tdv/vision/seal_reader.h"

#include <filesystem>
#include <fstream>
#include <iterator>
#include <string>
#include <vector>

#include "catch.h"

namespace tdv::vision {
namespace {
namespace fs = std::filesystem;

std::vector<std::uint8_t> Bytes(const fs::path& p) {
  std::ifstream in(p, std::ios::binary);
  REQUIRE(in);
  return std::vector<std::uint8_t>((std::istreambuf_iterator<char>(in)), {});
}

const fs::path kPki = TDV_TEST_PKI_DIR;

TEST_CASE("DataMatrix seals come out byte for byte", "[seal_reader]") {
  struct Case {
    const char* image;
    const char* seal;
  };
  for (Case c :
       {Case{"visa-sample-seal.jpg", "visa-sample.vds"}, Case{"seal-rotated.png", "visa-dets.vds"},
        Case{"seal-inverted.png", "visa-dets.vds"}, Case{"seal-noisy.jpg", "visa-dets.vds"},
        Case{"seal-p521.png", "etd-nlac.vds"}}) {
    INFO(c.image);
    auto r = FindDataMatrix(Bytes(kPki / "images" / c.image));
    REQUIRE(r);
    REQUIRE(r->symbols.size() == 1);
    CHECK(r->symbols[0].bytes == Bytes(kPki / "seals" / c.seal));
    CHECK_FALSE(r->timed_out);
    // The polygon lies inside the image.
    for (const Point& p : r->symbols[0].polygon) {
      CHECK(p.x >= 0);
      CHECK(p.y >= 0);
      CHECK(p.x < static_cast<float>(r->image_width));
      CHECK(p.y < static_cast<float>(r->image_height));
    }
  }
}

TEST_CASE("The symbol's polygon is where it was printed", "[seal_reader]") {
  // seal-p521.png: printed unrotated with its top-left margin corner at
  // (100, 80), 6-pixel modules and a 12-pixel margin.
  auto r = FindDataMatrix(Bytes(kPki / "images/seal-p521.png"));
  REQUIRE(r);
  REQUIRE(r->symbols.size() == 1);
  float min_x = 1e9f, min_y = 1e9f;
  for (const Point& p : r->symbols[0].polygon) {
    min_x = std::min(min_x, p.x);
    min_y = std::min(min_y, p.y);
  }
  CHECK(min_x == Approx(112).margin(4));
  CHECK(min_y == Approx(92).margin(4));
}

TEST_CASE("Pages without a seal have none, quickly", "[seal_reader]") {
  for (const char* name :
       {"nomrz-000.jpg", "td1-clean-000.jpg", "td3-hard-005.jpg", "mrva-clean-003.jpg"}) {
    INFO(name);
    auto r = FindDataMatrix(Bytes(fs::path(TDV_SOURCE_DIR) / "samples/images" / name));
    REQUIRE(r);
    CHECK(r->symbols.empty());
    CHECK_FALSE(r->timed_out);
  }
}

TEST_CASE("Seal images obey the decoder's limits", "[seal_reader]") {
  std::vector<std::uint8_t> junk = {'n', 'o', 't', ' ', 'a', 'n', ' ', 'i', 'm', 'a', 'g', 'e'};
  CHECK(FindDataMatrix(junk).error().code == ErrorCode::kInvalidInput);
  auto png = Bytes(kPki / "images/seal-rotated.png");
  png.resize(png.size() / 2);
  CHECK(FindDataMatrix(png).error().code == ErrorCode::kInvalidInput);
  SealReaderOptions small;
  small.max_pixels = 1000;
  CHECK(FindDataMatrix(Bytes(kPki / "images/seal-rotated.png"), small).error().code ==
        ErrorCode::kInvalidInput);
}

}  // namespace
}  // namespace tdv::vision
