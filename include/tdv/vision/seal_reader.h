// SPDX-License-Identifier: Apache-2.0
// Finds DataMatrix symbols (visible digital seals) in a document image and
// returns their raw bytes (libdmtx; Base256 content comes out byte for byte,
// never as text). Off-centre, rotated and inverted symbols are found.
//
// Thread safety: FindDataMatrix may be called from many threads at once.
#ifndef TDV_VISION_SEAL_READER_H_
#define TDV_VISION_SEAL_READER_H_

#include <array>
#include <cstddef>
#include <cstdint>
#include <span>
#include <vector>

#include "tdv/mrz/result.h"
#include "tdv/vision/mrz_reader.h"

namespace tdv::vision {

struct SealReaderOptions {
  std::size_t max_file_bytes = 25u << 20;
  std::uint64_t max_pixels = 50'000'000;
  int timeout_ms = 3000;  // the search gives up after this long
  int max_symbols = 2;    // stop after this many symbols
};

struct DataMatrixSymbol {
  std::vector<std::uint8_t> bytes;
  std::array<Point, 4> polygon;  // in image coordinates
};

struct SealImageReading {
  std::vector<DataMatrixSymbol> symbols;  // empty: none found
  bool timed_out = false;                 // the search stopped at timeout_ms
  int image_width = 0, image_height = 0;
  double decode_ms = 0, find_ms = 0;
};

// kInvalidInput for files that are not a readable PNG, JPEG or BMP (the same
// limits as MrzReader).
Result<SealImageReading> FindDataMatrix(std::span<const std::uint8_t> file,
                                        const SealReaderOptions& options = {});

}  // namespace tdv::vision

#endif  // TDV_VISION_SEAL_READER_H_
