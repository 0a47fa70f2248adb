// SPDX-License-Identifier: Apache-2.0
// MrzReader: finds the MRZ in a scanned page or a phone photo and reads it.
//
//   bytes -> bounded decode (size and pixel limits checked on the header,
//   before decoding; EXIF orientation honoured) -> MRZ band located at any
//   rotation -> deskewed, lines segmented -> a learned line recogniser
//   (models/mrz_crnn.onnx; or Tesseract with models/mrz.traineddata), one
//   calibrated probability per candidate character -> the mrz module's
//   check-digit-guided repair chooses the reading.
//
// Errors: kInvalidInput for a file that is too large, corrupt, of an
// unsupported format or a truncated PNG (a truncated JPEG is read as far as
// it goes, MrzImageReading::truncated_file); kNotFound when the image holds no readable MRZ;
// kUnavailable when the model cannot be loaded; kInvalidInput (Create) for
// an unknown recogniser.
//
// Thread safety: Read() may be called from many threads at once. Each thread
// creates its network (or Tesseract engine) once, on its first Read(), and
// keeps it.
#ifndef TDV_VISION_MRZ_READER_H_
#define TDV_VISION_MRZ_READER_H_

#include <array>
#include <cstddef>
#include <cstdint>
#include <memory>
#include <span>
#include <string>
#include <vector>

#include "tdv/mrz/repair.h"
#include "tdv/mrz/result.h"

namespace tdv::vision {

struct ReaderOptions {
  std::string model_dir;  // holds the models
  // Which recogniser reads the lines: "crnn", the learned line recogniser
  // (mrz_crnn.onnx, OpenCV dnn), or "tesseract", Tesseract's legacy engine
  // (mrz.traineddata) with the glyph classifier (mrz_glyphs.yml.gz).
  std::string recogniser = "crnn";
  std::size_t max_file_bytes = 25u << 20;  // 25 MB
  std::uint64_t max_pixels = 50'000'000;   // 50 megapixels
};

struct Point {
  float x = 0, y = 0;
};

struct MrzImageReading {
  std::vector<std::string> lines;      // the chosen reading
  std::vector<std::string> raw_lines;  // Tesseract's first choices, before glyph cues and repair
  std::vector<float> line_confidence;  // 0..1 per line
  // 0..1 per character of `lines`: the classifier's confidence in the
  // character chosen (0 where only a look-alike table proposed it).
  std::vector<std::vector<float>> char_confidence;
  std::array<Point, 4> polygon;  // MRZ band in image coordinates (after EXIF rotation)
  int rotation_degrees = 0;      // of the band, counter-clockwise, in (-180, 180]
  // The repair's result; `repair.uncertain` lists every position no check
  // digit confirms or the classifier was unsure of (then the verifier's
  // verdict is never clear: reason uncertain_reading).
  mrz::RepairResult repair;
  int image_width = 0, image_height = 0;
  // The JPEG file ended early: what it holds was decoded and read, the rest
  // of the page is missing (grey).
  bool truncated_file = false;
  double decode_ms = 0, locate_ms = 0, ocr_ms = 0;
};

// What a verifier needs of an MRZ reader: file bytes in, a reading out.
// MrzReader is the one implementation; tests give their own.
class MrzImageSource {
 public:
  virtual ~MrzImageSource() = default;
  // Errors as MrzReader::Read.
  virtual Result<MrzImageReading> Read(std::span<const std::uint8_t> file) const = 0;
};

class MrzReader : public MrzImageSource {
 public:
  // kUnavailable if the model file is missing or Tesseract cannot load it.
  static Result<std::unique_ptr<MrzReader>> Create(const ReaderOptions& options);
  ~MrzReader() override;
  MrzReader(const MrzReader&) = delete;
  MrzReader& operator=(const MrzReader&) = delete;

  Result<MrzImageReading> Read(std::span<const std::uint8_t> file) const override;

 private:
  explicit MrzReader(ReaderOptions options);
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

// The image format named by the file's first bytes ("png", "jpeg", "bmp",
// "tiff", "webp"), or "" when unknown.
std::string SniffImageFormat(std::span<const std::uint8_t> file);

// Width and height from the header alone (PNG, JPEG, BMP); false if they
// cannot be read without decoding.
bool ReadImageSize(std::span<const std::uint8_t> file, int& width, int& height);

}  // namespace tdv::vision

#endif  // TDV_VISION_MRZ_READER_H_
