// SPDX-License-Identifier: Apache-2.0
// Stage 2 of the MRZ reader (lines): a band cut from the page, turned flat,
// sheared upright and split into text lines scaled for the classifier.
#ifndef TDV_SRC_VISION_MRZ_LINES_H_
#define TDV_SRC_VISION_MRZ_LINES_H_

#include <opencv2/core.hpp>
#include <vector>

namespace tdv::vision::internal {

// The paper's grey level: the value three quarters of the pixels are at or
// below (a bright percentile, robust to the ink).
double Paper(const cv::Mat& gray);

struct LineImage {
  cv::Mat pixels;  // 8-bit, dark text on light, scaled for OCR
  // Where it was cut from: the band's column of the crop's first column,
  // and the crop's scale (pixels per band pixel). A column x of `pixels`
  // is the band's column x0 + x / scale, the same for every line.
  double x0 = 0, scale = 1;
  // The line's ink runs into the band's first or last column: the band was
  // cut short of the zone, and a glyph at its end may be cut in two.
  bool at_band_end = false;
};

// The band `r`, cut from the full-resolution image and turned horizontal
// (`flip`: turned a further 180 degrees); `angle_out` receives the angle
// used, refined to where the rows of ink are sharpest.
cv::Mat Straighten(const cv::Mat& gray, const cv::RotatedRect& r, bool flip, double& angle_out);

// The band with the shear that perspective leaves taken out.
cv::Mat Deshear(const cv::Mat& band);

// Rows of ink in a straightened band -> its text lines, each scaled to a
// fixed ink height.
std::vector<LineImage> SegmentLines(const cv::Mat& band);

}  // namespace tdv::vision::internal

#endif  // TDV_SRC_VISION_MRZ_LINES_H_
