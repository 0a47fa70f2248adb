// SPDX-License-Identifier: Apache-2.0
#include "exchange_publisher.h"

#include <algorithm>
#include <chrono>
#include <string>

#include "secret_file.h"
#include "tdv/lists/list_store.h"
#include "tdv/sig/base64.h"
#include "tdv/sig/oprf.h"

namespace tdv::app {
namespace {

// The key info of RFC 9497's DeriveKeyPair: a new version of the exchange
// that must not share outputs with this one changes it.
constexpr std::string_view kKeyInfo = "TDV partner exchange v1";

}  // namespace

Result<std::vector<std::uint8_t>> ExchangeKey(const Config& config) {
  auto secret = ReadOrMakeSecret(config.exchange_key_file.empty() ? config.data_dir / "exchange.key"
                                                                  : config.exchange_key_file,
                                 "an exchange key");
  if (!secret) return secret.error();
  auto seed = sig::DecodeHex(*secret);  // 64 hex digits, checked on reading
  if (!seed) return seed.error();
  return sig::oprf::DeriveKey(
      *seed, {reinterpret_cast<const std::uint8_t*>(kKeyInfo.data()), kKeyInfo.size()});
}

Result<std::unique_ptr<ExchangePublisher>> ExchangePublisher::Start(const Config& config,
                                                                    std::ostream& log) {
  std::vector<std::uint8_t> key;
  if (!config.exchange_lists.empty()) {
    auto derived = ExchangeKey(config);
    if (!derived) return derived.error();
    key = std::move(*derived);
  }
  return std::unique_ptr<ExchangePublisher>(new ExchangePublisher(config, std::move(key), log));
}

ExchangePublisher::ExchangePublisher(const Config& config, std::vector<std::uint8_t> key,
                                     std::ostream& log)
    : config_(config), key_(std::move(key)), log_(log) {
  if (!key_.empty()) thread_ = std::thread([this] { Run(); });
}

ExchangePublisher::~ExchangePublisher() {
  {
    std::lock_guard<std::mutex> lock(mu_);
    stopping_ = true;
  }
  cancel_ = true;
  cv_.notify_all();
  if (thread_.joinable()) thread_.join();
}

std::shared_ptr<const verify::exchange::PublishedSet> ExchangePublisher::Current() const {
  std::lock_guard<std::mutex> lock(mu_);
  return current_;
}

void ExchangePublisher::Run() {
  std::string built_versions = "-";  // what the published outputs are of
  std::unique_ptr<lists::ListStore> store;
  std::string last_error;  // logged once, not every round
  auto report = [&](const std::string& error) {
    if (error != last_error) log_ << "tdv: exchange: " << error << std::endl;
    last_error = error;
  };
  for (;;) {
    if (!store) {
      auto opened = lists::OpenStore(config_.store);
      if (opened) {
        store = std::move(*opened);
      } else {
        report("cannot open the lists: " + opened.error().message);
      }
    }
    // The shared lists' versions: a change to a list not shared does not
    // make the outputs again. A list named but not (yet) in the store is
    // left out, said once; its first import shares it.
    std::vector<std::string> present, missing;
    std::string versions;
    if (store) {
      auto known = store->Lists();
      if (!known) {
        report(known.error().message);
        store.reset();  // reconnect next time
      } else {
        for (const std::string& name : config_.exchange_lists) {
          auto it = std::find_if(known->begin(), known->end(),
                                 [&](const lists::ListInfo& l) { return l.name == name; });
          (it != known->end() ? present : missing).push_back(name);
          versions += name + "=" + (it != known->end() ? std::to_string(it->version) : "-") + ";";
        }
      }
    }
    if (store && versions != built_versions) {
      const auto start = std::chrono::steady_clock::now();
      if (!missing.empty()) {
        std::string names;
        for (const auto& m : missing) names += (names.empty() ? "'" : ", '") + m + "'";
        report("not in the list store, not shared until imported: " + names);
      }
      // One thread: the service's workers keep the other cores.
      auto built = verify::exchange::PublishedSet::Build(*store, present, key_, 1, false, &cancel_);
      if (cancel_) return;
      if (built) {
        built_versions = versions;
        if (missing.empty()) last_error.clear();
        const std::size_t n = built->entries().size();
        {
          std::lock_guard<std::mutex> lock(mu_);
          current_ = std::make_shared<const verify::exchange::PublishedSet>(std::move(*built));
        }
        log_ << "tdv: exchange: " << n << " outputs of " << present.size()
             << " shared list(s) published in "
             << std::chrono::duration_cast<std::chrono::milliseconds>(
                    std::chrono::steady_clock::now() - start)
                    .count()
             << " ms (sequence " << current_->sequence() << ")" << std::endl;
      } else {
        report("the outputs could not be built: " + built.error().message +
               (current_ ? " (the previous ones stay published)" : ""));
      }
    }
    std::unique_lock<std::mutex> lock(mu_);
    if (cv_.wait_for(lock, std::chrono::seconds(config_.lists_refresh_seconds),
                     [this] { return stopping_; }))
      return;
  }
}

}  // namespace tdv::app
