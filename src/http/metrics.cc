// SPDX-License-Identifier: Apache-2.0
#include "metrics.h"

#include <charconv>

namespace tdv::http::internal {
namespace {

std::string Number(double v) {
  char buf[32];
  auto end = std::to_chars(buf, buf + sizeof(buf), v).ptr;
  return std::string(buf, static_cast<std::size_t>(end - buf));
}

void Header(std::string& out, const std::string& name, const char* type, const char* help) {
  out += "# HELP " + name + " " + help + "\n# TYPE " + name + " " + type + "\n";
}

void Counters(std::string& out, const std::string& name, const char* help,
              const std::map<std::string, std::uint64_t>& values) {
  Header(out, name, "counter", help);
  for (const auto& [labels, n] : values)
    out += name + "{" + labels + "} " + std::to_string(n) + "\n";
}

// A label value with ", \ and newlines escaped, as the format asks.
std::string Quote(const std::string& v) {
  std::string out = "\"";
  for (char c : v) {
    if (c == '"' || c == '\\') out += '\\';
    if (c == '\n') {
      out += "\\n";
      continue;
    }
    out += c;
  }
  return out + "\"";
}

}  // namespace

void Histogram::Observe(double seconds) {
  std::size_t i = 0;
  while (i < kBounds.size() && seconds > kBounds[i]) ++i;
  if (i < kBounds.size()) ++buckets_[i];
  ++count_;
  sum_ += seconds;
}

void Histogram::Render(std::string& out, const std::string& name, const std::string& labels) const {
  const std::string sep = labels.empty() ? "" : ",";
  std::uint64_t cumulative = 0;
  for (std::size_t i = 0; i < kBounds.size(); ++i) {
    cumulative += buckets_[i];
    out += name + "_bucket{" + labels + sep + "le=\"" + Number(kBounds[i]) + "\"} " +
           std::to_string(cumulative) + "\n";
  }
  out += name + "_bucket{" + labels + sep + "le=\"+Inf\"} " + std::to_string(count_) + "\n";
  out += name + "_sum{" + labels + "} " + Number(sum_) + "\n";
  out += name + "_count{" + labels + "} " + std::to_string(count_) + "\n";
}

void Metrics::ObserveRequest(const std::string& route, const std::string& method, int status,
                             double seconds) {
  const std::string route_label = "route=" + Quote(route);
  const std::string labels =
      route_label + ",method=" + Quote(method) + ",status=\"" + std::to_string(status) + "\"";
  std::lock_guard lock(mu_);
  ++requests_[labels];
  latency_[route_label].Observe(seconds);
}

void Metrics::ObserveReport(const verify::VerificationReport& report) {
  const std::string labels = "verdict=" + Quote(verify::VerdictName(report.verdict)) +
                             ",source=" + Quote(report.mrz_source);
  std::lock_guard lock(mu_);
  ++verdicts_[labels];
  if (report.lists) {
    for (const auto& h : report.lists->hits) {
      ++list_hits_[std::string("match=") +
                   (h.kind == lists::ListHit::Kind::kExact ? "\"exact\"" : "\"possible\"")];
    }
  }
  if (report.image) {
    image_stages_["stage=\"decode\""].Observe(report.image->decode_ms / 1000);
    image_stages_["stage=\"locate\""].Observe(report.image->locate_ms / 1000);
    image_stages_["stage=\"ocr\""].Observe(report.image->ocr_ms / 1000);
  }
}

std::string Metrics::Render(const std::vector<Gauge>& gauges) const {
  std::string out;
  {
    std::lock_guard lock(mu_);
    Counters(out, "tdv_http_requests_total", "HTTP requests by route, method and status.",
             requests_);
    Header(out, "tdv_http_request_duration_seconds", "histogram",
           "Time from a request's whole header to its answer, by route.");
    for (const auto& [labels, h] : latency_)
      h.Render(out, "tdv_http_request_duration_seconds", labels);
    Counters(out, "tdv_verifications_total", "Verifications by verdict and MRZ source.", verdicts_);
    Counters(out, "tdv_list_hits_total", "Lost-and-stolen list hits by kind.", list_hits_);
    Header(out, "tdv_image_stage_seconds", "histogram",
           "Time of each stage of reading an image: decode, locate, ocr.");
    for (const auto& [labels, h] : image_stages_) h.Render(out, "tdv_image_stage_seconds", labels);
  }
  std::string last_name;
  for (const Gauge& g : gauges) {
    if (g.name != last_name) {
      Header(out, g.name, "gauge", g.help.c_str());
      last_name = g.name;
    }
    out += g.name + (g.labels.empty() ? "" : "{" + g.labels + "}") + " " + Number(g.value) + "\n";
  }
  return out;
}

}  // namespace tdv::http::internal
