// SPDX-License-Identifier: Apache-2.0
#include "decode.h"

#include <cstring>
#include <opencv2/imgcodecs.hpp>
#include <string>
#include <vector>

#include "tdv/vision/mrz_reader.h"

namespace tdv::vision {

Result<cv::Mat> DecodeGray(std::span<const std::uint8_t> file, std::size_t max_file_bytes,
                           std::uint64_t max_pixels, bool* truncated) {
  if (file.empty()) return Error{ErrorCode::kInvalidInput, "the image is empty"};
  if (file.size() > max_file_bytes) {
    return Error{ErrorCode::kInvalidInput, "the image file has " + std::to_string(file.size()) +
                                               " bytes; the limit is " +
                                               std::to_string(max_file_bytes)};
  }
  const std::string format = SniffImageFormat(file);
  if (format.empty())
    return Error{ErrorCode::kInvalidInput, "not an image TDV reads (PNG, JPEG or BMP)"};
  if (format != "png" && format != "jpeg" && format != "bmp") {
    return Error{ErrorCode::kInvalidInput,
                 format + " images are not supported; send PNG, JPEG or BMP"};
  }
  int w = 0, h = 0;
  if (!ReadImageSize(file, w, h) || w <= 0 || h <= 0) {
    return Error{ErrorCode::kInvalidInput, "the " + format + " header is truncated or corrupt"};
  }
  if (std::uint64_t(w) * std::uint64_t(h) > max_pixels) {
    return Error{ErrorCode::kInvalidInput, "the image has " + std::to_string(w) + "x" +
                                               std::to_string(h) + " pixels; the limit is " +
                                               std::to_string(max_pixels)};
  }
  // A decoder fills a truncated file's missing part with grey: a PNG is
  // refused, a JPEG read as far as it goes when the caller can say so (a
  // phone's upload cut short still holds most of the page).
  if (truncated != nullptr) *truncated = false;
  auto tail_has = [&](const char* marker, std::size_t n, std::size_t window) {
    const std::size_t from = file.size() > window ? file.size() - window : 0;
    for (std::size_t i = from; i + n <= file.size(); ++i) {
      if (std::memcmp(file.data() + i, marker, n) == 0) return true;
    }
    return false;
  };
  if (format == "jpeg" && !tail_has("\xff\xd9", 2, 64)) {
    if (truncated == nullptr)
      return Error{ErrorCode::kInvalidInput, "the " + format + " file is truncated"};
    *truncated = true;
  }
  if (format == "png" && !tail_has("IEND", 4, 64))
    return Error{ErrorCode::kInvalidInput, "the " + format + " file is truncated"};
  cv::Mat gray;
  try {
    const cv::Mat buf(1, static_cast<int>(file.size()), CV_8U,
                      const_cast<std::uint8_t*>(file.data()));
    // IMREAD_GRAYSCALE honours the EXIF orientation of JPEGs.
    gray = cv::imdecode(buf, cv::IMREAD_GRAYSCALE);
  } catch (const cv::Exception& e) {
    return Error{ErrorCode::kInvalidInput, std::string("the image cannot be decoded: ") + e.what()};
  }
  if (gray.empty()) return Error{ErrorCode::kInvalidInput, "the image is truncated or corrupt"};
  return gray;
}

cv::Mat DecodeInk(std::span<const std::uint8_t> file) {
  cv::Mat colour;
  try {
    const cv::Mat buf(1, static_cast<int>(file.size()), CV_8U,
                      const_cast<std::uint8_t*>(file.data()));
    colour = cv::imdecode(buf, cv::IMREAD_COLOR);  // EXIF orientation honoured
  } catch (const cv::Exception&) {
    return {};
  }
  if (colour.empty()) return {};
  std::vector<cv::Mat> channels;
  cv::split(colour, channels);
  // A grey file decodes to three equal channels: nothing to look through.
  if (cv::norm(channels[0], channels[1], cv::NORM_INF) == 0 &&
      cv::norm(channels[1], channels[2], cv::NORM_INF) == 0)
    return {};
  return cv::max(cv::max(channels[0], channels[1]), channels[2]);
}

}  // namespace tdv::vision
