// SPDX-License-Identifier: Apache-2.0
// Mode 2 of the partner exchange, agency A's side (docs/exchange.md): GET
// /v1/feeds/{list} answers, for the calling partner, the list's entries
// keyed with that partner's feed key and signed with feed_signer_cert.
#ifndef TDV_APP_FEEDS_H_
#define TDV_APP_FEEDS_H_

#include <cstdint>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <vector>

#include "config.h"
#include "tdv/http/feed.h"
#include "tdv/lists/list_store.h"
#include "tdv/sig/signed_data.h"

namespace tdv::app {

// The time now as a feed's "issued": RFC 3339 UTC with milliseconds.
std::string FeedTime();

class FeedPublisher {
 public:
  // nullptr when feed_signer_cert is not set (no feeds); kInvalidInput
  // naming what is wrong when only one of feed_signer_cert and
  // feed_signer_key is set, either cannot be read, or no list is shared.
  static Result<std::unique_ptr<FeedPublisher>> Open(const Config& config,
                                                     std::vector<std::uint8_t> exchange_key);

  // The signed answer for `partner` (its key id) of `list` from `since`:
  // "unchanged" when since is the list's version; a delta (the records
  // changed since the change sequence `changes`, the cursor of the copy
  // the partner holds) where the store's change log has them, record by
  // record and at most kMaxDeltaChanges; the list's entries whole
  // otherwise; with feed_details, each record's status and dates too. kNotFound for a list not
  // shared (or not in the store); the store's errors as they come.
  Result<std::string> Answer(const std::string& list, const std::string& partner,
                             std::int64_t since, std::int64_t changes = 0);

  // Changes (of every list) a delta is made of at most; beyond, the feed
  // goes whole (a delta of a 37-byte record each, the feed 34 bytes a record).
  static constexpr std::size_t kMaxDeltaChanges = 200'000;

 private:
  FeedPublisher() = default;
  Config config_;
  std::vector<std::uint8_t> key_;
  std::unique_ptr<sig::DataSigner> signer_;
  std::mutex mu_;  // one feed built at a time (each takes a core while it runs)
  std::unique_ptr<lists::ListStore> store_;
  // The delta from `changes` for `header` (its list at its version);
  // nullopt when one cannot be made (a list replaced, too many changes, the
  // store moving meanwhile).
  Result<std::optional<std::string>> Delta(http::FeedHeader header, std::int64_t changes);
  Status AddDetails(const std::string& list, const std::vector<lists::ChangeEvent>& events,
                    std::vector<verify::exchange::KeyedChange>& keyed);
};

}  // namespace tdv::app

#endif  // TDV_APP_FEEDS_H_
