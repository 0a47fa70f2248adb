// SPDX-License-Identifier: Apache-2.0
#include "exchange_publisher.h"

#include <algorithm>
#include <chrono>
#include <map>
#include <string>
#include <tuple>

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
  if (!key_.empty())
    timer_.emplace(std::chrono::seconds(config_.lists_refresh_seconds), Periodic::First::kNow,
                   [this] { Publish(); });
}

ExchangePublisher::~ExchangePublisher() {
  cancel_ = true;
  timer_.reset();
}

std::shared_ptr<const verify::exchange::PublishedSet> ExchangePublisher::Current() const {
  std::lock_guard<std::mutex> lock(mu_);
  return current_;
}

std::optional<verify::exchange::SetDelta> ExchangePublisher::DeltaSince(std::int64_t since) const {
  std::lock_guard<std::mutex> lock(mu_);
  if (!current_) return std::nullopt;
  verify::exchange::SetDelta net;
  net.from = since;
  net.to = current_->sequence();
  if (since == current_->sequence()) return net;
  const auto first =
      std::find_if(deltas_.begin(), deltas_.end(),
                   [&](const verify::exchange::SetDelta& d) { return d.from == since; });
  if (first == deltas_.end()) return std::nullopt;
  // Net over the publications since: an entry added by one and removed by
  // a later one is in neither.
  std::map<std::tuple<verify::exchange::Output, std::uint32_t, bool>, std::int64_t> count;
  for (auto it = first; it != deltas_.end(); ++it) {
    for (const auto& e : it->added) ++count[{e.output, e.list, e.look_alike}];
    for (const auto& e : it->removed) --count[{e.output, e.list, e.look_alike}];
  }
  for (const auto& [key, n] : count) {
    const verify::exchange::Entry e{std::get<0>(key), std::get<1>(key), std::get<2>(key)};
    for (std::int64_t k = 0; k < n; ++k) net.added.push_back(e);
    for (std::int64_t k = 0; k < -n; ++k) net.removed.push_back(e);
  }
  return net;
}

void ExchangePublisher::Report(const std::string& error) {
  if (error != last_error_) log_ << "tdv: exchange: " << error << std::endl;
  last_error_ = error;
}

std::optional<verify::exchange::PublishedSet> ExchangePublisher::Update(
    const std::vector<std::string>& lists, std::size_t& changed) {
  const std::shared_ptr<const verify::exchange::PublishedSet> current = Current();
  if (!current || current->lists() != lists) return std::nullopt;
  auto changes = store_->ChangesSince(current->sequence(), kMostChanges + 1);
  if (!changes || changes->size() > kMostChanges) return std::nullopt;
  auto updated = current->Update(*changes, key_);
  // The lists' record counts read after their changes: a change committed
  // in between makes them disagree (the set is then built whole), and so
  // does a record Update took as there that was not, or the reverse.
  auto known = store_->Lists();
  if (!updated || !known) return std::nullopt;
  std::int64_t records = 0;
  for (const lists::ListInfo& l : *known) {
    if (std::find(lists.begin(), lists.end(), l.name) != lists.end()) records += l.record_count;
  }
  if (updated->entries().size() != 2 * static_cast<std::size_t>(records)) return std::nullopt;
  changed = changes->size();
  return std::move(*updated);
}

void ExchangePublisher::Publish() {
  if (!store_) {
    auto opened = lists::OpenStore(config_.store);
    if (opened) {
      store_ = std::move(*opened);
    } else {
      Report("cannot open the lists: " + opened.error().message);
    }
  }
  // The shared lists' versions: a change to a list not shared does not
  // make the outputs again. A list named but not (yet) in the store is
  // left out, said once; its first import shares it.
  std::vector<std::string> present, missing;
  std::string versions;
  if (store_) {
    auto known = store_->Lists();
    if (!known) {
      Report(known.error().message);
      store_.reset();  // reconnect next time
    } else {
      for (const std::string& name : config_.exchange_lists) {
        auto it = std::find_if(known->begin(), known->end(),
                               [&](const lists::ListInfo& l) { return l.name == name; });
        (it != known->end() ? present : missing).push_back(name);
        versions += name + "=" + (it != known->end() ? std::to_string(it->version) : "-") + ";";
      }
    }
  }
  if (!store_ || versions == built_versions_) return;
  const auto start = std::chrono::steady_clock::now();
  if (!missing.empty()) {
    std::string names;
    for (const auto& m : missing) names += (names.empty() ? "'" : ", '") + m + "'";
    Report("not in the list store, not shared until imported: " + names);
  }
  // The records that changed since the set published, when the store's
  // change log holds them one by one; the set built whole otherwise. One
  // thread: the service's workers keep the other cores.
  std::size_t changed = 0;
  auto updated = Update(present, changed);
  auto built =
      updated ? Result<verify::exchange::PublishedSet>(std::move(*updated))
              : verify::exchange::PublishedSet::Build(*store_, present, key_, 1, false, &cancel_);
  if (cancel_) return;
  if (!built) {
    Report("the outputs could not be built: " + built.error().message +
           (current_ ? " (the previous ones stay published)" : ""));
    return;
  }
  built_versions_ = versions;
  if (missing.empty()) last_error_.clear();
  const std::size_t n = built->entries().size();
  std::int64_t sequence = 0;
  {
    auto next = std::make_shared<const verify::exchange::PublishedSet>(std::move(*built));
    // What a partner holding the outputs before fetches instead of them all.
    std::optional<verify::exchange::SetDelta> delta;
    const auto before = Current();
    if (before && before->lists() == next->lists() && before->sequence() != next->sequence())
      delta = verify::exchange::Diff(*before, *next);
    std::lock_guard<std::mutex> lock(mu_);
    if (delta) {
      delta_entries_ += delta->added.size() + delta->removed.size();
      deltas_.push_back(std::move(*delta));
      while (!deltas_.empty() && delta_entries_ > kKeptDeltaEntries) {
        delta_entries_ -= deltas_.front().added.size() + deltas_.front().removed.size();
        deltas_.pop_front();
      }
    } else {
      deltas_.clear();
      delta_entries_ = 0;
    }
    current_ = std::move(next);
    sequence = current_->sequence();
  }
  log_ << "tdv: exchange: " << n << " outputs of " << present.size() << " shared list(s) "
       << (changed > 0 ? "updated with " + std::to_string(changed) + " change(s)"
                       : std::string("published"))
       << " in "
       << std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::steady_clock::now() -
                                                                start)
              .count()
       << " ms (sequence " << sequence << ")" << std::endl;
}

}  // namespace tdv::app
