// SPDX-License-Identifier: Apache-2.0
#include "partners.h"

#include <fstream>
#include <sstream>

namespace tdv::app {

Result<std::unique_ptr<Partners>> Partners::Open(const Config& config) {
  std::unique_ptr<Partners> out(new Partners());
  for (const PartnerConfig& c : config.partners) {
    std::ifstream in(c.key_file);
    std::string key;
    if (!in || !(in >> key) || key.rfind("tdv_", 0) != 0) {
      return Error{ErrorCode::kUnavailable, "partner " + c.name + ": cannot read a key from " +
                                                c.key_file.string() +
                                                " (the tdv_... key of role partner the partner "
                                                "made for this agency)"};
    }
    http::PartnerOptions options;
    options.url = c.url;
    options.key = key;
    options.timeout_seconds = c.timeout_seconds;
    options.ca_file = c.ca_file;
    auto p = std::unique_ptr<Partner>(new Partner{c, http::PartnerClient(options), {}, {}, {}, {}});
    p->error = "not fetched yet";
    out->partners_.push_back(std::move(p));
  }
  return out;
}

Partners::~Partners() {
  {
    std::lock_guard<std::mutex> lock(mu_);
    stopping_ = true;
  }
  cv_.notify_all();
  if (thread_.joinable()) thread_.join();
}

void Partners::Refresh(std::ostream& log) {
  for (const auto& p : partners_) {
    auto fetched = p->client.FetchOutputs();
    std::lock_guard<std::mutex> lock(p->mu);
    if (fetched) {
      p->outputs = std::make_shared<const verify::exchange::PublishedSet>(std::move(*fetched));
      p->fetched = std::chrono::steady_clock::now();
      p->error.clear();
    } else {
      p->error = fetched.error().message;
      log << "tdv: partner " << p->config.name << ": outputs not fetched: " << p->error
          << std::endl;
    }
  }
}

void Partners::RefreshEvery(int seconds, std::ostream& log) {
  if (partners_.empty()) return;
  thread_ = std::thread([this, seconds, &log] {
    std::unique_lock<std::mutex> lock(mu_);
    do {
      lock.unlock();
      Refresh(log);
      lock.lock();
    } while (!cv_.wait_for(lock, std::chrono::seconds(seconds), [this] { return stopping_; }));
  });
}

std::vector<verify::PartnerSource> Partners::Sources() const {
  std::vector<verify::PartnerSource> out;
  for (const auto& p : partners_) {
    const Partner* partner = p.get();
    out.push_back({p->config.name, p->config.required,
                   [this, partner](const std::string& state, const std::string& code,
                                   const std::string& number) {
                     return Check(*partner, state, code, number);
                   }});
  }
  return out;
}

verify::PartnerCheck Partners::Check(const Partner& p, const std::string& state,
                                     const std::string& code, const std::string& number) const {
  verify::PartnerCheck c;
  std::shared_ptr<const verify::exchange::PublishedSet> outputs;
  std::string error;
  std::chrono::steady_clock::time_point fetched;
  {
    std::lock_guard<std::mutex> lock(p.mu);
    outputs = p.outputs;
    error = p.error;
    fetched = p.fetched;
  }
  if (!outputs) {
    c.detail = "its published outputs could not be fetched: " + error;
    return c;
  }
  auto hits = verify::exchange::CheckDocument(
      *outputs, [&](const auto& elements) { return p.client.Evaluate(elements); }, state, code,
      number);
  if (!hits) {
    c.detail = hits.error().message;
    return c;
  }
  const auto age =
      std::chrono::duration_cast<std::chrono::seconds>(std::chrono::steady_clock::now() - fetched)
          .count();
  std::ostringstream detail;
  detail << outputs->entries().size() << " published outputs of sequence " << outputs->sequence()
         << ", fetched " << age << " s ago";
  if (!error.empty()) detail << " (the last fetch failed: " << error << ")";
  c.detail = detail.str();
  c.hits = std::move(*hits);
  c.status =
      c.hits.empty() ? verify::PartnerCheck::Status::kClear : verify::PartnerCheck::Status::kHit;
  return c;
}

}  // namespace tdv::app
