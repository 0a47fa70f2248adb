// SPDX-License-Identifier: Apache-2.0
// Image dimensions from headers, so that a decompression bomb is refused
// before any pixel is decoded.
#include <cstring>

#include "tdv/vision/mrz_reader.h"

namespace tdv::vision {
namespace {

bool StartsWith(std::span<const std::uint8_t> f, const char* magic, std::size_t n,
                std::size_t at = 0) {
  return f.size() >= at + n && std::memcmp(f.data() + at, magic, n) == 0;
}
std::uint32_t Be16(const std::uint8_t* p) { return std::uint32_t(p[0]) << 8 | p[1]; }
std::uint32_t Be32(const std::uint8_t* p) { return Be16(p) << 16 | Be16(p + 2); }
std::int32_t Le32(const std::uint8_t* p) {
  return static_cast<std::int32_t>(std::uint32_t(p[0]) | std::uint32_t(p[1]) << 8 |
                                   std::uint32_t(p[2]) << 16 | std::uint32_t(p[3]) << 24);
}

}  // namespace

std::string SniffImageFormat(std::span<const std::uint8_t> f) {
  if (StartsWith(f, "\x89PNG\r\n\x1a\n", 8)) return "png";
  if (StartsWith(f, "\xff\xd8\xff", 3)) return "jpeg";
  if (StartsWith(f, "BM", 2)) return "bmp";
  if (StartsWith(f, "II*\0", 4) || StartsWith(f, "MM\0*", 4)) return "tiff";
  if (StartsWith(f, "RIFF", 4) && StartsWith(f, "WEBP", 4, 8)) return "webp";
  return "";
}

bool ReadImageSize(std::span<const std::uint8_t> f, int& width, int& height) {
  const std::string format = SniffImageFormat(f);
  if (format == "png") {
    if (f.size() < 24 || !StartsWith(f, "IHDR", 4, 12)) return false;
    width = static_cast<int>(Be32(&f[16]) & 0x7fffffff);
    height = static_cast<int>(Be32(&f[20]) & 0x7fffffff);
    return true;
  }
  if (format == "bmp") {
    if (f.size() < 26) return false;
    width = Le32(&f[18]);
    height = Le32(&f[22]);
    if (height < 0) height = height == INT32_MIN ? 0 : -height;
    return width > 0;
  }
  if (format == "jpeg") {
    // Walk the markers to the first start-of-frame.
    std::size_t i = 2;
    while (i + 4 <= f.size()) {
      if (f[i] != 0xff) return false;
      const std::uint8_t marker = f[i + 1];
      if (marker == 0xff) {
        ++i;
        continue;
      }
      if (marker == 0xd8 || (marker >= 0xd0 && marker <= 0xd7) || marker == 0x01) {
        i += 2;
        continue;
      }
      const std::size_t len = Be16(&f[i + 2]);
      const bool sof =
          marker >= 0xc0 && marker <= 0xcf && marker != 0xc4 && marker != 0xc8 && marker != 0xcc;
      if (sof) {
        if (i + 9 > f.size()) return false;
        height = static_cast<int>(Be16(&f[i + 5]));
        width = static_cast<int>(Be16(&f[i + 7]));
        return true;
      }
      if (len < 2) return false;
      i += 2 + len;
    }
    return false;
  }
  return false;
}

}  // namespace tdv::vision
