// SPDX-License-Identifier: Apache-2.0
// The learned line recogniser: OpenCV dnn runs the ONNX model; greedy CTC
// decoding turns its columns into characters, each with the distribution of
// its most certain column.
#include "mrz_crnn.h"

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <deque>
#include <filesystem>
#include <map>
#include <opencv2/dnn.hpp>
#include <opencv2/imgproc.hpp>
#include <string_view>

#include "mrz_glyphs.h"
#include "mrz_lines.h"

namespace tdv::vision::internal {
namespace {

// This thread's network for the model at `path`, loaded on first use (a
// cv::dnn::Net keeps per-call state: it is not shared between threads).
cv::dnn::Net* ThreadNet(const std::string& path) {
  thread_local std::map<std::string, cv::dnn::Net> nets;
  auto it = nets.find(path);
  if (it == nets.end()) {
    cv::dnn::Net net;
    try {
      net = cv::dnn::readNetFromONNX(path);
    } catch (const cv::Exception&) {
      return nullptr;
    }
    if (net.empty()) return nullptr;
    net.setPreferableBackend(cv::dnn::DNN_BACKEND_OPENCV);
    net.setPreferableTarget(cv::dnn::DNN_TARGET_CPU);
    it = nets.emplace(path, std::move(net)).first;
  }
  return &it->second;
}

// The line as the model takes it; `scale` receives input columns per line
// column.
cv::Mat PrepareLine(const cv::Mat& line, double& scale) {
  const int width =
      std::max(1, static_cast<int>(std::lround(double(line.cols) * kCrnnHeight / line.rows)));
  const int interpolation = line.rows > kCrnnHeight ? cv::INTER_AREA : cv::INTER_CUBIC;
  cv::Mat input;
  if (width >= kCrnnWidth) {
    cv::resize(line, input, cv::Size(kCrnnWidth, kCrnnHeight), 0, 0, interpolation);
    scale = double(kCrnnWidth) / line.cols;
  } else {
    input = cv::Mat(kCrnnHeight, kCrnnWidth, CV_8U, cv::Scalar(Paper(line)));
    cv::resize(line, input.colRange(0, width), cv::Size(width, kCrnnHeight), 0, 0, interpolation);
    scale = double(width) / line.cols;
  }
  cv::Mat f;
  input.convertTo(f, CV_32F);
  cv::Scalar mean, dev;
  cv::meanStdDev(f, mean, dev);
  f = (f - mean[0]) / (dev[0] + 1.0);
  return f;
}

// The model at `path`'s distribution over the classes in each output column
// of `input` (softmax; the calibrating temperature is in the model): classes
// x columns; empty when the model cannot be run. The last few answers of
// each model are kept per thread: the reader reads the band it settles on a
// second time with every model of an ensemble, and the first model's
// answers for those lines are the ones it had.
cv::Mat Distributions(const std::string& path, const cv::Mat& input) {
  struct Kept {
    std::string path;
    std::uint64_t hash;
    cv::Mat input, p;
  };
  thread_local std::deque<Kept> kept;
  std::uint64_t hash = 1469598103934665603ull;  // FNV-1a over the input's bytes
  const auto* bytes = input.ptr<std::uint8_t>();
  for (std::size_t i = 0; i < input.total() * input.elemSize(); ++i)
    hash = (hash ^ bytes[i]) * 1099511628211ull;
  for (const Kept& k : kept) {
    if (k.hash == hash && k.path == path && cv::norm(k.input, input, cv::NORM_INF) == 0) return k.p;
  }
  cv::dnn::Net* net = ThreadNet(path);
  if (net == nullptr) return {};
  const int dims[] = {1, 1, kCrnnHeight, kCrnnWidth};
  net->setInput(cv::Mat(4, dims, CV_32F, const_cast<float*>(input.ptr<float>())));
  const cv::Mat logits = net->forward();  // 1 x classes x 1 x columns
  cv::Mat p(logits.size[1], logits.size[3], CV_32F, const_cast<float*>(logits.ptr<float>()));
  p = p.clone();
  for (int t = 0; t < p.cols; ++t) {
    float top = -1e30f;
    for (int k = 0; k < p.rows; ++k) top = std::max(top, p.at<float>(k, t));
    float sum = 0;
    for (int k = 0; k < p.rows; ++k) sum += (p.at<float>(k, t) = std::exp(p.at<float>(k, t) - top));
    for (int k = 0; k < p.rows; ++k) p.at<float>(k, t) /= sum;
  }
  kept.push_front({path, hash, input.clone(), p});
  if (kept.size() > 8) kept.pop_back();
  return p;
}

}  // namespace

LineRecogniser::LineRecogniser(std::vector<std::string> paths) : paths_(std::move(paths)) {}
LineRecogniser::~LineRecogniser() = default;

std::unique_ptr<LineRecogniser> LineRecogniser::Load(const std::vector<std::string>& paths) {
  if (paths.empty()) return nullptr;
  for (const std::string& path : paths) {
    std::error_code ec;
    if (!std::filesystem::is_regular_file(path, ec)) return nullptr;
    // One blank line through each: a file of another shape fails here, not
    // on the first request.
    try {
      cv::dnn::Net* net = ThreadNet(path);
      if (net == nullptr) return nullptr;
      const cv::Mat blank(kCrnnHeight, kCrnnWidth, CV_8U, cv::Scalar(255));
      net->setInput(cv::dnn::blobFromImage(blank));
      const cv::Mat out = net->forward();
      if (out.dims != 4 || out.size[1] != kGlyphClasses + 1 || out.size[2] != 1 ||
          out.size[3] != kCrnnWidth / kCrnnStride)
        return nullptr;
    } catch (const cv::Exception&) {
      return nullptr;
    }
  }
  std::unique_ptr<LineRecogniser> r(new LineRecogniser(paths));
  std::vector<std::vector<float>> opinions;
  float confidence = 0;
  try {
    r->Read(cv::Mat(kCrnnHeight, kCrnnWidth, CV_8U, cv::Scalar(255)), opinions, confidence);
  } catch (const cv::Exception&) {
    return nullptr;
  }
  return r;
}

std::vector<OcrSymbol> LineRecogniser::Read(const cv::Mat& line,
                                            std::vector<std::vector<float>>& opinions,
                                            float& confidence) const {
  std::vector<OcrSymbol> out;
  opinions.clear();
  confidence = 0;
  if (line.empty()) return out;
  double scale = 1;
  const cv::Mat input = PrepareLine(line, scale);
  // Each model's distribution per column (softmax; the calibrating
  // temperature is in the model), then their mean: the members of an
  // ensemble share one input and one column layout.
  cv::Mat p;
  for (const std::string& path : paths_) {
    cv::Mat q = Distributions(path, input);
    if (q.empty()) return out;
    if (p.empty()) {
      p = q.clone();
    } else {
      p += q;
    }
  }
  p /= static_cast<double>(paths_.size());
  const int classes = p.rows, columns = p.cols;
  // Greedy CTC: runs of one class are one character, blanks (class 0)
  // separate; each character keeps its most certain column.
  struct Run {
    int cls, first, last, peak;
  };
  std::vector<Run> runs;
  int previous = 0;
  for (int t = 0; t < columns; ++t) {
    int best = 0;
    for (int k = 1; k < classes; ++k) {
      if (p.at<float>(k, t) > p.at<float>(best, t)) best = k;
    }
    if (best != 0 && best == previous) {
      Run& r = runs.back();
      r.last = t;
      if (p.at<float>(best, t) > p.at<float>(best, r.peak)) r.peak = t;
    } else if (best != 0) {
      runs.push_back({best, t, t, t});
    }
    previous = best;
  }
  if (runs.empty()) return out;
  // Boxes a pitch wide around each character's centre: the fixed-pitch
  // slotting after this stage works from centres and the pitch.
  std::vector<double> centres;
  for (const Run& r : runs) centres.push_back((r.first + r.last + 1) / 2.0 * kCrnnStride / scale);
  std::vector<double> steps;
  for (std::size_t i = 1; i < centres.size(); ++i) steps.push_back(centres[i] - centres[i - 1]);
  double pitch = kCrnnStride / scale;
  if (!steps.empty()) {
    std::nth_element(steps.begin(), steps.begin() + static_cast<std::ptrdiff_t>(steps.size() / 2),
                     steps.end());
    pitch = steps[steps.size() / 2];
  }
  const std::string_view alphabet = kGlyphAlphabet;
  double sum = 0;
  for (std::size_t i = 0; i < runs.size(); ++i) {
    const Run& r = runs[i];
    std::vector<float> opinion(alphabet.size());
    float total = 0;
    for (std::size_t k = 0; k < alphabet.size(); ++k)
      total += opinion[k] = p.at<float>(static_cast<int>(k) + 1, r.peak);
    for (float& q : opinion) q /= std::max(total, 1e-6f);
    OcrSymbol s;
    s.left = static_cast<int>(std::lround(centres[i] - pitch / 2));
    s.right = static_cast<int>(std::lround(centres[i] + pitch / 2));
    s.top = 0;
    s.bottom = line.rows;
    for (std::size_t k = 0; k < alphabet.size(); ++k) {
      // Alternatives the model leaves room for (kCrnnRival).
      if (opinion[k] >= kCrnnRival) s.choices.push_back({alphabet[k], opinion[k]});
    }
    std::sort(s.choices.begin(), s.choices.end(),
              [](const mrz::CharCandidate& a, const mrz::CharCandidate& b) {
                return a.confidence > b.confidence;
              });
    s.read = alphabet[static_cast<std::size_t>(r.cls - 1)];
    if (s.choices.empty() || s.choices.front().ch != s.read)
      s.choices.insert(s.choices.begin(), {s.read, opinion[static_cast<std::size_t>(r.cls - 1)]});
    sum += s.choices.front().confidence;
    out.push_back(std::move(s));
    opinions.push_back(std::move(opinion));
  }
  confidence = static_cast<float>(sum / double(out.size()));
  return out;
}

}  // namespace tdv::vision::internal
