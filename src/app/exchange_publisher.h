// SPDX-License-Identifier: Apache-2.0
// Agency A's side of the partner exchange in `tdv serve` (docs/exchange.md):
// the OPRF key, derived from the secret in exchange_key_file (default
// DATA/exchange.key), and the outputs of the lists named in
// exchange_lists, built on a thread of their own at start and built again
// whenever a shared list's version changes (checked every
// lists_refresh_seconds; changes to other lists do not count). Until the
// first build ends, Current() is null (the outputs route answers 503); a
// failed build is logged and the previous outputs stay published.
#ifndef TDV_APP_EXCHANGE_PUBLISHER_H_
#define TDV_APP_EXCHANGE_PUBLISHER_H_

#include <atomic>
#include <cstdint>
#include <deque>
#include <memory>
#include <mutex>
#include <optional>
#include <ostream>
#include <string>
#include <vector>

#include "config.h"
#include "periodic.h"
#include "tdv/lists/list_store.h"
#include "tdv/verify/exchange.h"

namespace tdv::app {

// The exchange's OPRF key: derived from the secret in exchange_key_file
// (default DATA/exchange.key, made on first use). kUnavailable when the
// secret cannot be read or made.
Result<std::vector<std::uint8_t>> ExchangeKey(const Config& config);

class ExchangePublisher {
 public:
  // kUnavailable when the key's secret cannot be read or made. With no
  // exchange_lists, a publisher with an empty key that publishes nothing.
  static Result<std::unique_ptr<ExchangePublisher>> Start(const Config& config, std::ostream& log);
  ~ExchangePublisher();
  ExchangePublisher(const ExchangePublisher&) = delete;
  ExchangePublisher& operator=(const ExchangePublisher&) = delete;

  const std::vector<std::uint8_t>& key() const { return key_; }
  std::shared_ptr<const verify::exchange::PublishedSet> Current() const;
  // What changed from the publication of sequence `since` to the current
  // one: the entries added and removed, net, over the publications since
  // (an empty delta when `since` is the current sequence); nullopt when
  // that is not kept (older than the deltas kept, across a change of the
  // shared lists, or nothing published yet).
  std::optional<verify::exchange::SetDelta> DeltaSince(std::int64_t since) const;
  // Entries the deltas kept add up to at most (the oldest go first).
  static constexpr std::size_t kKeptDeltaEntries = 1'000'000;

 private:
  ExchangePublisher(const Config& config, std::vector<std::uint8_t> key, std::ostream& log);
  // One round: the outputs built again when a shared list changed.
  void Publish();
  // The published set with the store's changes since it applied
  // (PublishedSet::Update), `changed` their number; nullopt when it must be
  // built whole (no set yet, other lists, more than kMostChanges changes, a
  // list replaced, or record counts that disagree).
  std::optional<verify::exchange::PublishedSet> Update(const std::vector<std::string>& lists,
                                                       std::size_t& changed);
  static constexpr std::size_t kMostChanges = 200000;
  void Report(const std::string& error);
  Config config_;
  std::vector<std::uint8_t> key_;
  std::ostream& log_;
  // The rounds' own (on the publisher's thread).
  std::unique_ptr<lists::ListStore> store_;
  std::string built_versions_ = "-";  // what the published outputs are of
  std::string last_error_;            // logged once, not every round
  std::atomic<bool> cancel_{false};   // set as the publisher stops: a build under way ends
  mutable std::mutex mu_;
  std::shared_ptr<const verify::exchange::PublishedSet> current_;  // under mu_
  // Each publication's delta from the one before, oldest first, the last
  // ending at current_ (under mu_).
  std::deque<verify::exchange::SetDelta> deltas_;
  std::size_t delta_entries_ = 0;
  std::optional<Periodic> timer_;  // last: stopped before the rest goes
};

}  // namespace tdv::app

#endif  // TDV_APP_EXCHANGE_PUBLISHER_H_
