// SPDX-License-Identifier: Apache-2.0
// Stage 1 of the MRZ reader (locate): candidate MRZ bands in a page.
#ifndef TDV_SRC_VISION_MRZ_LOCATE_H_
#define TDV_SRC_VISION_MRZ_LOCATE_H_

#include <opencv2/core.hpp>
#include <vector>

namespace tdv::vision::internal {

// A candidate MRZ band: a rotated rectangle in working-image coordinates.
struct Band {
  cv::RotatedRect rect;
  double score = 0;
};

// Candidate bands in `work` (8-bit grey), most likely first: blocks of dark
// text that closings merge into elongated solid shapes, and single text
// lines found apart and paired with their parallel neighbours.
std::vector<Band> FindBands(const cv::Mat& work);

// Candidate bands made of MRZ lines found from their characters: shapes of
// one height in rows at a fixed pitch, two or three rows stacked at line
// spacing (either way up, or upright). Most characters first.
std::vector<Band> FindGlyphRows(const cv::Mat& work);

}  // namespace tdv::vision::internal

#endif  // TDV_SRC_VISION_MRZ_LOCATE_H_
