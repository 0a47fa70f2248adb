// SPDX-License-Identifier: Apache-2.0
// Fuzz target: untrusted image files, as uploaded to POST /v1/verify or given
// to `tdv check IMAGE`. The header is read by our own code (format, size)
// before OpenCV decodes anything; whatever the bytes, the result is an error
// or an 8-bit grey image within the pixel limit (no decompression bomb gets
// past the header check), never a crash.
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <span>

#include "decode.h"
#include "tdv/vision/mrz_reader.h"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::span<const std::uint8_t> file(data, size);
  (void)tdv::vision::SniffImageFormat(file);
  int width = 0, height = 0;
  (void)tdv::vision::ReadImageSize(file, width, height);
  constexpr std::uint64_t kMaxPixels = 1'000'000;
  // As the MRZ reader decodes (a truncated JPEG read as far as it goes)
  // for inputs of odd length, as the seal reader does (refused) otherwise.
  bool truncated = false;
  auto gray =
      tdv::vision::DecodeGray(file, 1u << 20, kMaxPixels, size % 2 == 1 ? &truncated : nullptr);
  if (gray) {
    if (gray->empty() || gray->type() != CV_8UC1) std::abort();
    if (gray->total() > kMaxPixels) std::abort();  // a bomb got past the header check
    // The reader's second decode, through the brightest channel, of a file
    // the first took: empty, or the grey image's size.
    const cv::Mat ink = tdv::vision::DecodeInk(file);
    if (!ink.empty() && (ink.type() != CV_8UC1 || ink.size() != gray->size())) std::abort();
  } else if (gray.error().message.empty()) {
    std::abort();  // every refusal says why
  }
  return 0;
}
