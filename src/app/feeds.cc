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

Result<std::optional<std::string>> FeedPublisher::Delta(http::FeedHeader header,
                                                        std::int64_t changes) {
  // The changes since the cursor and the list's version and count, read
  // with nothing committed between (the change sequence the same before
  // and after): the delta then ends exactly where that version is. A
  // cursor B holds may be older than the version it names (A reads it
  // before the version); changes applied again change nothing.
  for (int attempt = 0; attempt < 3; ++attempt) {
    auto before = store_->ChangeSequence();
    if (!before) return before.error();
    if (changes > *before) return std::optional<std::string>();  // not this store's cursor
    auto events = store_->ChangesSince(changes, kMaxDeltaChanges + 1);
    if (!events) return events.error();
    if (events->size() > kMaxDeltaChanges) return std::optional<std::string>();
    auto known = store_->Lists();
    if (!known) return known.error();
    auto after = store_->ChangeSequence();
    if (!after) return after.error();
    if (*after != *before) continue;
    const auto it = std::find_if(known->begin(), known->end(),
                                 [&](const lists::ListInfo& l) { return l.name == header.list; });
    if (it == known->end()) return std::optional<std::string>();
    auto keyed = verify::exchange::PublishedSet::KeyedChanges(
        {header.list}, *events, verify::exchange::FeedKey(key_, header.partner));
    if (!keyed) {
      if (keyed.error().code == ErrorCode::kUnsupported) return std::optional<std::string>();
      return keyed.error();
    }
    if (config_.feed_details) {
      if (Status s = AddDetails(header.list, *events, *keyed); !s) return s.error();
    }
    header.sequence = it->version;
    header.unchanged = false;
    header.delta = true;
    header.from = changes;
    header.changes = *before;
    header.entries = 2 * it->record_count;
    auto answer = http::MakeFeedDelta(header, *keyed, *signer_);
    if (!answer) return answer.error();
    return std::optional<std::string>(std::move(*answer));
  }
  return std::optional<std::string>();
}

// Each keyed change's details (config feed_details): the record as it is
// now (a later change sends them again), or, for a record no longer there,
// its type and the status the change log holds.
Status FeedPublisher::AddDetails(const std::string& list,
                                 const std::vector<lists::ChangeEvent>& events,
                                 std::vector<verify::exchange::KeyedChange>& keyed) {
  std::size_t k = 0;
  for (const lists::ChangeEvent& e : events) {
    if (e.list != list || !e.record) continue;  // KeyedChanges passes these over
    if (k >= keyed.size()) break;
    const lists::ListRecord& r = *e.record;
    verify::exchange::SharedDetails d{keyed[k].exact.output, r.document_type, r.status, {}, {}};
    if (e.kind == "upsert") {
      auto now = store_->Get(list, r.issuing_state, r.document_type, r.document_number);
      if (!now) return now.error();
      if (*now) {
        d.status = (*now)->status;
        d.date_reported = (*now)->date_reported;
        d.expiry_date = (*now)->expiry_date;
      }
    }
    keyed[k++].details = std::move(d);
  }
  return {};
}

Result<std::string> FeedPublisher::Answer(const std::string& list, const std::string& partner,
                                          std::int64_t since, std::int64_t changes) {
  if (std::find(config_.exchange_lists.begin(), config_.exchange_lists.end(), list) ==
      config_.exchange_lists.end())
    return Error{ErrorCode::kNotFound, "list '" + list + "' is not shared"};
  std::lock_guard lock(mu_);
  if (!store_) {
    auto opened = lists::OpenStore(config_.store);
    if (!opened) return opened.error();
    store_ = std::move(*opened);
  }
  // The cursor first: what is read after it reflects at least its changes.
  auto cursor = store_->ChangeSequence();
  auto known = cursor ? store_->Lists() : Result<std::vector<lists::ListInfo>>(cursor.error());
  if (!known) {
    store_.reset();  // reconnect next time
    return known.error();
  }
  const auto it = std::find_if(known->begin(), known->end(),
                               [&](const lists::ListInfo& l) { return l.name == list; });
  if (it == known->end()) return Error{ErrorCode::kNotFound, "list '" + list + "' is not there"};
  http::FeedHeader header{partner, list, it->version, since, FeedTime(), since == it->version};
  header.changes = *cursor;
  if (header.unchanged) {
    // The copy is current. A's cursor goes with it; B keeps the cursor of
    // the answer it kept (a later delta from there carries changes it has,
    // which change nothing).
    return http::MakeFeedAnswer(header, nullptr, *signer_);
  }
  if (since > 0 && changes > 0 && since < it->version) {
    auto delta = Delta(header, changes);
    if (!delta) {
      store_.reset();
      return delta.error();
    }
    if (*delta) return std::move(**delta);
  }
  auto set = verify::exchange::PublishedSet::BuildKeyed(
      *store_, {list}, verify::exchange::FeedKey(key_, partner), 1, false, config_.feed_details);
  if (!set) return set.error();
  return http::MakeFeedAnswer(header, &*set, *signer_);
}

}  // namespace tdv::app
