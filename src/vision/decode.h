// SPDX-License-Identifier: Apache-2.0
// Bounded image decoding shared by the MRZ and seal readers.
#ifndef TDV_SRC_VISION_DECODE_H_
#define TDV_SRC_VISION_DECODE_H_

#include <cstddef>
#include <cstdint>
#include <opencv2/core.hpp>
#include <span>

#include "tdv/mrz/result.h"

namespace tdv::vision {

// PNG, JPEG or BMP file bytes to an 8-bit grey image, EXIF orientation
// applied. Refuses (kInvalidInput) empty, oversized, truncated, corrupt and
// other-format files, and images over `max_pixels`, before decoding them.
Result<cv::Mat> DecodeGray(std::span<const std::uint8_t> file, std::size_t max_file_bytes,
                           std::uint64_t max_pixels);

}  // namespace tdv::vision

#endif  // TDV_SRC_VISION_DECODE_H_
