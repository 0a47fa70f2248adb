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
// With `truncated` given, a JPEG that ends early (no end-of-image marker) is
// decoded as far as its data goes (the rest left grey) and `*truncated` set;
// without, it is refused.
Result<cv::Mat> DecodeGray(std::span<const std::uint8_t> file, std::size_t max_file_bytes,
                           std::uint64_t max_pixels, bool* truncated = nullptr);

// A file DecodeGray took, as each pixel's brightest channel: black ink stays
// dark, coloured print over it (a stamp, a guilloche, a watermark) turns
// light. Empty for a grey file. Decoded again: only a page that needs it
// pays for it.
cv::Mat DecodeInk(std::span<const std::uint8_t> file);

}  // namespace tdv::vision

#endif  // TDV_SRC_VISION_DECODE_H_
