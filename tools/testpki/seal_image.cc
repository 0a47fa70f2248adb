// SPDX-License-Identifier: Apache-2.0
// Prints seal bytes as a DataMatrix (ECC 200, Base256) onto a document image,
// for the test PKI and the samples: tools/testpki/make_test_pki.sh runs it.
//
//   tdv_seal_image SEAL.vds OUT.(png|jpg) [--background IMG] [--at X,Y]
//                  [--module PX] [--rotate DEG] [--invert] [--noise SIGMA]
//
// Without --background the page is a 1700x1200 (2 MP) white sheet with some
// printed lines. --rotate turns the whole page; --invert prints the symbol
// light on dark.
#include <dmtx.h>

#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <fstream>
#include <iterator>
#include <opencv2/core.hpp>
#include <opencv2/imgcodecs.hpp>
#include <opencv2/imgproc.hpp>
#include <string>
#include <vector>

namespace {

int Usage() {
  std::fprintf(stderr,
               "usage: tdv_seal_image SEAL OUT [--background IMG] [--at X,Y] [--module PX] "
               "[--rotate DEG] [--invert] [--noise SIGMA]\n");
  return 2;
}

cv::Mat Symbol(std::vector<unsigned char>& bytes, int module) {
  DmtxEncode* enc = dmtxEncodeCreate();
  dmtxEncodeSetProp(enc, DmtxPropScheme, DmtxSchemeBase256);
  dmtxEncodeSetProp(enc, DmtxPropModuleSize, module);
  dmtxEncodeSetProp(enc, DmtxPropMarginSize, 2 * module);
  cv::Mat out;
  if (dmtxEncodeDataMatrix(enc, static_cast<int>(bytes.size()), bytes.data()) == DmtxPass) {
    int w = dmtxImageGetProp(enc->image, DmtxPropWidth);
    int h = dmtxImageGetProp(enc->image, DmtxPropHeight);
    cv::Mat rgb(h, w, CV_8UC3, enc->image->pxl);
    cv::cvtColor(rgb, out, cv::COLOR_RGB2GRAY);
  }
  dmtxEncodeDestroy(&enc);
  return out;
}

}  // namespace

int main(int argc, char** argv) {
  if (argc < 3) return Usage();
  std::ifstream in(argv[1], std::ios::binary);
  std::vector<unsigned char> seal((std::istreambuf_iterator<char>(in)), {});
  if (seal.empty()) return Usage();
  std::string background;
  int x = -1, y = -1, module = 5;
  double rotate = 0, noise = 0;
  bool invert = false;
  for (int i = 3; i < argc; ++i) {
    std::string a = argv[i];
    auto next = [&]() -> std::string { return i + 1 < argc ? argv[++i] : ""; };
    if (a == "--background") {
      background = next();
    } else if (a == "--at") {
      if (std::sscanf(next().c_str(), "%d,%d", &x, &y) != 2) return Usage();
    } else if (a == "--module") {
      module = std::atoi(next().c_str());
    } else if (a == "--rotate") {
      rotate = std::atof(next().c_str());
    } else if (a == "--noise") {
      noise = std::atof(next().c_str());
    } else if (a == "--invert") {
      invert = true;
    } else {
      return Usage();
    }
  }
  cv::Mat page;
  if (!background.empty()) {
    page = cv::imread(background, cv::IMREAD_COLOR);
    if (page.empty()) return Usage();
  } else {
    page = cv::Mat(1200, 1700, CV_8UC3, cv::Scalar(250, 250, 250));
    for (int line = 0; line < 12; ++line) {
      cv::putText(page, "TDV TEST DOCUMENT - SYNTHETIC - NOT A REAL PERSON " + std::to_string(line),
                  cv::Point(60, 120 + 80 * line), cv::FONT_HERSHEY_SIMPLEX, 0.9,
                  cv::Scalar(90, 90, 90), 2);
    }
  }
  cv::Mat symbol = Symbol(seal, module);
  if (symbol.empty()) {
    std::fprintf(stderr, "tdv_seal_image: the seal does not fit a DataMatrix\n");
    return 1;
  }
  if (invert) cv::bitwise_not(symbol, symbol);
  if (x < 0) x = page.cols - symbol.cols - 80;
  if (y < 0) y = 80;
  if (x + symbol.cols > page.cols || y + symbol.rows > page.rows) {
    std::fprintf(stderr, "tdv_seal_image: the symbol does not fit at %d,%d\n", x, y);
    return 1;
  }
  cv::Mat bgr;
  cv::cvtColor(symbol, bgr, cv::COLOR_GRAY2BGR);
  bgr.copyTo(page(cv::Rect(x, y, symbol.cols, symbol.rows)));
  if (rotate != 0) {
    cv::Point2f centre(static_cast<float>(page.cols) / 2, static_cast<float>(page.rows) / 2);
    cv::Mat m = cv::getRotationMatrix2D(centre, rotate, 1.0);
    cv::warpAffine(page, page, m, page.size(), cv::INTER_LINEAR, cv::BORDER_CONSTANT,
                   cv::Scalar(250, 250, 250));
  }
  if (noise > 0) {
    cv::Mat n(page.size(), CV_16SC3);
    cv::randn(n, 0, noise);
    cv::Mat p16;
    page.convertTo(p16, CV_16SC3);
    p16 += n;
    p16.convertTo(page, CV_8UC3);
  }
  if (!cv::imwrite(argv[2], page)) return 1;
  return 0;
}
