// SPDX-License-Identifier: Apache-2.0
#include "feeds.h"

#include <algorithm>

#include "tdv/http/feed.h"
#include "tdv/verify/audit.h"
#include "tdv/verify/exchange.h"

namespace tdv::app {

std::string FeedTime() { return verify::NowWithMillis(); }

Result<std::unique_ptr<FeedPublisher>> FeedPublisher::Open(const Config& config,
                                                           std::vector<std::uint8_t> exchange_key) {
  if (config.feed_signer_cert.empty() && config.feed_signer_key.empty())
    return std::unique_ptr<FeedPublisher>();
  if (config.feed_signer_cert.empty() || config.feed_signer_key.empty())
    return Error{ErrorCode::kInvalidInput, "feed_signer_cert and feed_signer_key go together"};
  if (config.exchange_lists.empty() || exchange_key.empty()) {
    return Error{ErrorCode::kInvalidInput,
                 "feed_signer_cert is set but exchange_lists names no list to share"};
  }
  auto signer = sig::DataSigner::Load(config.feed_signer_cert, config.feed_signer_key);
  if (!signer) return signer.error();
  std::unique_ptr<FeedPublisher> p(new FeedPublisher());
  p->config_ = config;
  p->key_ = std::move(exchange_key);
  p->signer_ = std::move(*signer);
  return p;
}

Result<std::string> FeedPublisher::Answer(const std::string& list, const std::string& partner,
                                          std::int64_t since) {
  if (std::find(config_.exchange_lists.begin(), config_.exchange_lists.end(), list) ==
      config_.exchange_lists.end())
    return Error{ErrorCode::kNotFound, "list '" + list + "' is not shared"};
  std::lock_guard lock(mu_);
  if (!store_) {
    auto opened = lists::OpenStore(config_.store);
    if (!opened) return opened.error();
    store_ = std::move(*opened);
  }
  auto known = store_->Lists();
  if (!known) {
    store_.reset();  // reconnect next time
    return known.error();
  }
  const auto it = std::find_if(known->begin(), known->end(),
                               [&](const lists::ListInfo& l) { return l.name == list; });
  if (it == known->end()) return Error{ErrorCode::kNotFound, "list '" + list + "' is not there"};
  http::FeedHeader header{partner, list, it->version, since, FeedTime(), since == it->version};
  if (header.unchanged) return http::MakeFeedAnswer(header, nullptr, *signer_);
  auto set = verify::exchange::PublishedSet::BuildKeyed(
      *store_, {list}, verify::exchange::FeedKey(key_, partner), 1);
  if (!set) return set.error();
  return http::MakeFeedAnswer(header, &*set, *signer_);
}

}  // namespace tdv::app
