// SPDX-License-Identifier: Apache-2.0
// Trains the glyph classifier (models/mrz_glyphs.yml.gz) on lines rendered by
// render_glyph_lines.py, with the reader's own feature function, and prints
// its accuracy on a held-out directory.
//
//   train_glyph_model TRAIN_DIR TEST_DIR OUT.yml.gz [HIDDEN [ITERATIONS]]
//   train_glyph_model --pairs TEST_DIR MODEL.yml.gz
// The second form measures, for every pair of symbols whose MRZ values differ
// by a multiple of 10 (equal weight in every check digit, so no check digit
// tells them apart), how alike the model finds them: the mean probability
// it gives one on glyphs of the other, both ways.
#include <algorithm>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <opencv2/imgcodecs.hpp>
#include <opencv2/ml.hpp>
#include <sstream>
#include <string>

#include "mrz_glyphs.h"

namespace fs = std::filesystem;
using namespace tdv::vision::internal;

namespace {

// Features and class indices of every boxed glyph under `dir`.
void Load(const fs::path& dir, cv::Mat& samples, std::vector<int>& labels) {
  std::vector<fs::path> pngs;
  for (const auto& e : fs::directory_iterator(dir)) {
    if (e.path().extension() == ".png") pngs.push_back(e.path());
  }
  std::sort(pngs.begin(), pngs.end());
  const std::string alphabet = kGlyphAlphabet;
  for (const fs::path& png : pngs) {
    const cv::Mat line = cv::imread(png.string(), cv::IMREAD_GRAYSCALE);
    std::ifstream box(fs::path(png).replace_extension(".box"));
    if (line.empty() || !box) continue;
    std::vector<std::pair<char, cv::Rect>> glyphs;
    std::string row;
    while (std::getline(box, row)) {
      std::istringstream in(row);
      char ch = 0;
      int x0 = 0, y0 = 0, x1 = 0, y1 = 0;
      if (in >> ch >> x0 >> y0 >> x1 >> y1)
        glyphs.push_back({ch, cv::Rect(x0, y0, x1 - x0, y1 - y0)});
    }
    std::vector<cv::Rect> boxes;
    for (const auto& g : glyphs) boxes.push_back(g.second);
    const LineMetrics metrics = MeasureLine(boxes);
    for (const auto& [ch, rect] : glyphs) {
      const auto k = alphabet.find(ch);
      if (k == std::string::npos) continue;
      const std::vector<float> f = GlyphFeatures(line, rect, metrics);
      samples.push_back(cv::Mat(1, kGlyphFeatures, CV_32F, const_cast<float*>(f.data())).clone());
      labels.push_back(static_cast<int>(k));
    }
  }
}

}  // namespace

int Value(char c) { return c == '<' ? 0 : c <= '9' ? c - '0' : c - 'A' + 10; }

int MeasurePairs(const char* dir, const char* model) {
  cv::Mat test;
  std::vector<int> labels;
  Load(dir, test, labels);
  const auto classifier = GlyphClassifier::Load(model);
  if (!classifier || test.rows == 0) return 1;
  // mass[a][b]: summed probability of b on glyphs of a; count[a]: glyphs of a.
  std::vector<double> mass(kGlyphClasses * kGlyphClasses, 0.0), count(kGlyphClasses, 0.0);
  for (int i = 0; i < test.rows; ++i) {
    std::vector<float> f(test.ptr<float>(i), test.ptr<float>(i) + kGlyphFeatures);
    const auto p = classifier->Classify(f);
    const int a = labels[static_cast<std::size_t>(i)];
    count[static_cast<std::size_t>(a)] += 1;
    for (int b = 0; b < kGlyphClasses; ++b)
      mass[static_cast<std::size_t>(a * kGlyphClasses + b)] += p[static_cast<std::size_t>(b)];
  }
  std::vector<std::pair<double, std::string>> pairs;
  for (int a = 0; a < kGlyphClasses; ++a) {
    for (int b = a + 1; b < kGlyphClasses; ++b) {
      const char ca = kGlyphAlphabet[a], cb = kGlyphAlphabet[b];
      if (Value(ca) % 10 != Value(cb) % 10 || count[static_cast<std::size_t>(a)] == 0 ||
          count[static_cast<std::size_t>(b)] == 0)
        continue;
      const double ab = mass[static_cast<std::size_t>(a * kGlyphClasses + b)] /
                        count[static_cast<std::size_t>(a)];
      const double ba = mass[static_cast<std::size_t>(b * kGlyphClasses + a)] /
                        count[static_cast<std::size_t>(b)];
      pairs.push_back({(ab + ba) / 2, std::string{ca, '/', cb}});
    }
  }
  std::sort(pairs.rbegin(), pairs.rend());
  // The shapes themselves: distance between the classes' mean glyph grids
  // (ink levels only), relative to the median distance over all pairs.
  cv::Mat means = cv::Mat::zeros(kGlyphClasses, kGlyphW * kGlyphH, CV_64F);
  for (int i = 0; i < test.rows; ++i) {
    cv::Mat row;
    test.row(i).colRange(0, kGlyphW * kGlyphH).convertTo(row, CV_64F);
    means.row(labels[static_cast<std::size_t>(i)]) += row;
  }
  for (int a = 0; a < kGlyphClasses; ++a)
    means.row(a) /= std::max(1.0, count[static_cast<std::size_t>(a)]);
  std::vector<double> all;
  for (int a = 0; a < kGlyphClasses; ++a)
    for (int b = a + 1; b < kGlyphClasses; ++b) all.push_back(cv::norm(means.row(a), means.row(b)));
  std::nth_element(all.begin(), all.begin() + static_cast<std::ptrdiff_t>(all.size() / 2),
                   all.end());
  const double median = all[all.size() / 2];
  std::vector<std::pair<double, std::string>> shapes;
  for (int a = 0; a < kGlyphClasses; ++a) {
    for (int b = a + 1; b < kGlyphClasses; ++b) {
      const char ca = kGlyphAlphabet[a], cb = kGlyphAlphabet[b];
      if (Value(ca) % 10 != Value(cb) % 10) continue;
      shapes.push_back({cv::norm(means.row(a), means.row(b)) / median, std::string{ca, '/', cb}});
    }
  }
  std::sort(shapes.begin(), shapes.end());
  std::printf("pair  shape distance (1 = median pair)  cross-probability\n");
  for (const auto& [d, name] : shapes) {
    const auto it =
        std::find_if(pairs.begin(), pairs.end(), [&](const auto& p) { return p.second == name; });
    std::printf("  %s  %.2f  %.5f\n", name.c_str(), d, it != pairs.end() ? it->first : 0.0);
  }
  return 0;
}

int main(int argc, char** argv) {
  if (argc == 4 && std::string(argv[1]) == "--pairs") return MeasurePairs(argv[2], argv[3]);
  if (argc < 4) {
    std::cerr << "usage: train_glyph_model TRAIN_DIR TEST_DIR OUT.yml.gz [HIDDEN]\n";
    return 2;
  }
  const int hidden = argc > 4 ? std::atoi(argv[4]) : 64;
  const int iterations = argc > 5 ? std::atoi(argv[5]) : 300;
  cv::Mat train, test;
  std::vector<int> train_labels, test_labels;
  Load(argv[1], train, train_labels);
  Load(argv[2], test, test_labels);
  std::cerr << "glyphs: " << train.rows << " training, " << test.rows << " held out\n";
  if (train.rows == 0) return 1;
  if (hidden == 0) {  // feature check: k nearest neighbours on the same features
    auto knn = cv::ml::KNearest::create();
    knn->train(train, cv::ml::ROW_SAMPLE, cv::Mat(train_labels));
    cv::Mat result;
    knn->findNearest(test, 5, result);
    int right = 0;
    for (int i = 0; i < test.rows; ++i)
      right += static_cast<int>(result.at<float>(i)) == test_labels[static_cast<std::size_t>(i)];
    std::printf("k-NN (k=5) held-out accuracy: %.2f %%\n", 100.0 * right / std::max(1, test.rows));
    return 0;
  }
  cv::Mat targets(train.rows, kGlyphClasses, CV_32F, cv::Scalar(0.0f));
  for (int i = 0; i < train.rows; ++i)
    targets.at<float>(i, train_labels[static_cast<std::size_t>(i)]) = 1.0f;
  auto mlp = cv::ml::ANN_MLP::create();
  mlp->setLayerSizes(std::vector<int>{kGlyphFeatures, hidden, kGlyphClasses});
  mlp->setActivationFunction(cv::ml::ANN_MLP::SIGMOID_SYM, 0, 0);
  mlp->setTrainMethod(cv::ml::ANN_MLP::BACKPROP, 0.001);
  mlp->setTermCriteria(cv::TermCriteria(cv::TermCriteria::MAX_ITER, iterations, 0));
  cv::theRNG().state = 12345;  // reproducible weights
  mlp->train(cv::ml::TrainData::create(train, cv::ml::ROW_SAMPLE, targets));
  mlp->save(argv[3]);
  const auto classifier = GlyphClassifier::Load(argv[3]);
  if (!classifier) {
    std::cerr << "the saved model does not load\n";
    return 1;
  }
  int right = 0;
  std::vector<int> confusions(kGlyphClasses * kGlyphClasses, 0);
  for (int i = 0; i < test.rows; ++i) {
    std::vector<float> f(test.ptr<float>(i), test.ptr<float>(i) + kGlyphFeatures);
    const auto p = classifier->Classify(f);
    const int best = static_cast<int>(std::max_element(p.begin(), p.end()) - p.begin());
    const int want = test_labels[static_cast<std::size_t>(i)];
    right += best == want;
    ++confusions[static_cast<std::size_t>(want * kGlyphClasses + best)];
  }
  std::printf("held-out glyph accuracy: %.2f %% (%d of %d)\n",
              100.0 * right / std::max(1, test.rows), right, test.rows);
  for (int a = 0; a < kGlyphClasses; ++a) {
    for (int b = 0; b < kGlyphClasses; ++b) {
      const int n = confusions[static_cast<std::size_t>(a * kGlyphClasses + b)];
      if (a != b && n >= 3)
        std::printf("  %c read as %c: %d\n", kGlyphAlphabet[a], kGlyphAlphabet[b], n);
    }
  }
  return 0;
}
