// SPDX-License-Identifier: Apache-2.0
// Counters and histograms for GET /metrics, in the Prometheus text format
// (version 0.0.4): requests by route, method and status, their latency,
// verifications by verdict and MRZ source, list hits by kind, the image
// stages' times. Labels come from fixed sets (routes from the route table,
// "other" for anything else), so a client cannot grow them.
//
// Thread safety: every member may be called from any thread.
#ifndef TDV_SRC_HTTP_METRICS_H_
#define TDV_SRC_HTTP_METRICS_H_

#include <array>
#include <cstdint>
#include <map>
#include <mutex>
#include <string>
#include <vector>

#include "tdv/http/server.h"
#include "tdv/verify/verifier.h"

namespace tdv::http::internal {

class Histogram {
 public:
  static constexpr std::array<double, 14> kBounds = {
      0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10};
  void Observe(double seconds);
  // The _bucket, _sum and _count lines of `name` with `labels` ("" or
  // `k="v"`).
  void Render(std::string& out, const std::string& name, const std::string& labels) const;

 private:
  std::array<std::uint64_t, kBounds.size()> buckets_{};  // not cumulative
  std::uint64_t count_ = 0;
  double sum_ = 0;
};

class Metrics {
 public:
  void ObserveRequest(const std::string& route, const std::string& method, int status,
                      double seconds);
  // The verdict, the MRZ source, list hits and image stage times of one
  // verification.
  void ObserveReport(const verify::VerificationReport& report);
  // Everything, then `gauges`.
  std::string Render(const std::vector<Gauge>& gauges) const;

 private:
  mutable std::mutex mu_;
  std::map<std::string, std::uint64_t> requests_;   // labels -> count
  std::map<std::string, Histogram> latency_;        // route labels -> histogram
  std::map<std::string, std::uint64_t> verdicts_;   // labels -> count
  std::map<std::string, std::uint64_t> list_hits_;  // labels -> count
  std::map<std::string, Histogram> image_stages_;   // stage labels -> histogram
};

}  // namespace tdv::http::internal

#endif  // TDV_SRC_HTTP_METRICS_H_
