// SPDX-License-Identifier: Apache-2.0
// Signature benchmarks on the test PKI (tools/testpki/make_test_pki.sh DIR
// TDV_SEAL_IMAGE): seal decode + verify per second, passive authentication
// per second, DataMatrix find + decode time on 2 MP pages. One thread.
//
//   bench_sig PKI_DIR [--seconds S]
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <functional>
#include <iterator>
#include <string>
#include <vector>

#include "tdv/sig/chip.h"
#include "tdv/sig/seal.h"
#include "tdv/sig/trust_store.h"
#include "tdv/vision/seal_reader.h"

namespace {
namespace fs = std::filesystem;
using Clock = std::chrono::steady_clock;

std::vector<std::uint8_t> Bytes(const fs::path& p) {
  std::ifstream in(p, std::ios::binary);
  if (!in) {
    std::fprintf(stderr, "bench_sig: cannot read %s\n", p.c_str());
    std::exit(2);
  }
  return std::vector<std::uint8_t>((std::istreambuf_iterator<char>(in)), {});
}

// Prints the median of 9 FindDataMatrix runs on the file at `path` (its
// decode included); false when it does not find the `symbols` it holds.
bool PrintFind(const fs::path& path, std::size_t symbols) {
  const auto image = Bytes(path);
  std::vector<double> ms;
  int w = 0, h = 0;
  for (int i = 0; i < 9; ++i) {
    const auto t0 = Clock::now();
    auto r = tdv::vision::FindDataMatrix(image);
    ms.push_back(std::chrono::duration<double, std::milli>(Clock::now() - t0).count());
    if (!r || r->symbols.size() != symbols) {
      std::fprintf(stderr, "bench_sig: %s should hold %zu symbols\n", path.c_str(), symbols);
      return false;
    }
    w = r->image_width;
    h = r->image_height;
  }
  std::sort(ms.begin(), ms.end());
  std::printf("  %-24s %4dx%-4d (%.1f MP) %8.1f ms\n", path.filename().c_str(), w, h, w * h / 1e6,
              ms[4]);
  return true;
}

// Runs `op` for about `seconds`; prints operations per second.
void Rate(const char* name, double seconds, const std::function<bool()>& op) {
  long n = 0;
  const auto t0 = Clock::now();
  double elapsed = 0;
  while (elapsed < seconds) {
    for (int i = 0; i < 20; ++i) {
      if (!op()) {
        std::fprintf(stderr, "bench_sig: %s gave an unexpected result\n", name);
        std::exit(1);
      }
    }
    n += 20;
    elapsed = std::chrono::duration<double>(Clock::now() - t0).count();
  }
  std::printf("%-46s %10.0f /s  (%ld in %.1f s)\n", name, double(n) / elapsed, n, elapsed);
}

}  // namespace

int main(int argc, char** argv) {
  if (argc < 2) {
    std::fprintf(stderr, "usage: bench_sig PKI_DIR [--seconds S]\n");
    return 2;
  }
  const fs::path pki = argv[1];
  const double seconds = argc >= 4 ? std::atof(argv[3]) : 2.0;
  const fs::path trust_dir =
      fs::temp_directory_path() / ("tdv-bench-trust-" + std::to_string(::getpid()));
  auto store = tdv::sig::TrustStore::Open(trust_dir);
  if (!store) return 2;
  for (const char* f :
       {"csca/de-old.pem", "csca/de-link.pem", "crl/de-new.pem", "signer/seal-dets.pem",
        "signer/seal-dett.pem", "signer/seal-nlab.pem", "signer/seal-nlac.pem"}) {
    if (!store->Import(Bytes(pki / f))) return 2;
  }
  tdv::sig::TrustImportOptions ml;
  ml.master_list_roots.push_back(Bytes(pki / "csca/de-old.pem"));
  if (!store->Import(Bytes(pki / "ml/masterlist.ml"), ml)) return 2;
  auto anchors = tdv::sig::TrustAnchors::Load(trust_dir);
  if (!anchors) return 2;
  const std::time_t now = std::time(nullptr);

  std::printf("seals (decode + ECDSA verify + chain to the CSCA with its CRL):\n");
  for (const char* name : {"visa-dets", "rp-dett-v3", "aad-nlab", "etd-nlac"}) {
    const auto seal = Bytes(pki / "seals" / (std::string(name) + ".vds"));
    std::string label = std::string("  ") + name + " (" + std::to_string(seal.size()) + " bytes)";
    Rate(label.c_str(), seconds, [&] {
      return tdv::sig::VerifySeal(seal, anchors->get(), now).status == tdv::sig::SealStatus::kValid;
    });
  }
  const auto visa = Bytes(pki / "seals/visa-dets.vds");
  Rate("  visa-dets decode only (ParseVds)", seconds,
       [&] { return tdv::sig::ParseVds(visa).has_value(); });

  std::printf("passive authentication (CMS + DS chain + DG1, DG2 hashes):\n");
  for (const char* name : {"de-valid", "nl-valid", "fr-rsa", "fr-pss"}) {
    tdv::sig::ChipData chip;
    chip.sod = Bytes(pki / "chips" / name / "sod.bin");
    chip.data_groups[1] = Bytes(pki / "chips" / name / "dg1.bin");
    chip.data_groups[2] = Bytes(pki / "chips" / name / "dg2.bin");
    Rate((std::string("  ") + name).c_str(), seconds, [&] {
      return tdv::sig::VerifyChip(chip, anchors->get(), now).status == tdv::sig::ChipStatus::kValid;
    });
  }

  std::printf("DataMatrix find + decode (file decode included), median of 9 runs:\n");
  for (const char* name : {"seal-rotated.png", "seal-inverted.png", "seal-noisy.jpg",
                           "seal-p521.png", "visa-sample-seal.jpg"}) {
    if (!PrintFind(pki / "images" / name, 1)) return 1;
  }
  // What a page without a seal costs: the search that finds nothing.
  std::printf("DataMatrix search on pages without a seal, median of 9 runs:\n");
  for (const char* name : {"td3-moderate-001.jpg", "td1-clean-000.jpg", "nomrz-000.jpg"}) {
    if (!PrintFind(fs::path(TDV_SOURCE_DIR) / "samples" / "images" / name, 0)) return 1;
  }
  fs::remove_all(trust_dir);
  return 0;
}
