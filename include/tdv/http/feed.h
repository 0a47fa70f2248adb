// SPDX-License-Identifier: Apache-2.0
// Mode 2 of the partner exchange (docs/exchange.md): a list's entries keyed
// for one partner (verify::exchange::PublishedSet::BuildKeyed), signed by
// agency A, as GET /v1/feeds/{list} answers them and agency B keeps them.
//
// The answer is {"payload": base64, "signature": base64}: the payload is
// JSON, {"format": "tdv-feed-1", "partner", "list", "sequence" (the list's
// version), "since" (what the partner asked from), "issued" (RFC 3339 UTC,
// milliseconds), "unchanged" (true: the partner's copy is current, no
// entries), "exact" and "look_alike" (base64 of the sorted 16-byte
// entries)}; the signature is a detached CMS SignedData over the payload's
// bytes (sig/signed_data.h).
//
// Thread safety: free functions, no shared state.
#ifndef TDV_HTTP_FEED_H_
#define TDV_HTTP_FEED_H_

#include <cstdint>
#include <optional>
#include <string>

#include "tdv/mrz/result.h"
#include "tdv/sig/signed_data.h"
#include "tdv/verify/exchange.h"

namespace tdv::http {

struct FeedHeader {
  std::string partner;  // the key id of the partner it was made for
  std::string list;
  std::int64_t sequence = 0;  // the list's version
  std::int64_t since = 0;     // the sequence the partner asked from
  std::string issued;         // when A made it
  bool unchanged = false;
};

// A's side: the answer for `header` with the entries of `set` (one list;
// none when header.unchanged), signed by `signer`.
Result<std::string> MakeFeedAnswer(const FeedHeader& header,
                                   const verify::exchange::PublishedSet* set,
                                   const sig::DataSigner& signer);

// What B accepts a feed answer against: who it must be for, which list,
// the since it asked with, and the copy it holds (nullopt: none yet).
struct FeedExpectation {
  std::string partner, list;
  std::int64_t since = 0;
  std::optional<FeedHeader> held;  // the last answer accepted
};

struct OpenedFeed {
  FeedHeader header;
  std::optional<verify::exchange::PublishedSet> set;  // none when unchanged
};

// B's side: the answer checked, in this order, and refused (kCorrupt,
// saying which) when it is not signed by a signer `trust` accepts over its
// exact bytes (tampered), not a feed, made for another partner or list,
// an answer to another request (its since), older than the copy held
// (a rollback: a lower sequence; a replay: issued no later than the held
// one's), or "unchanged" while the sequence moved.
Result<OpenedFeed> OpenFeedAnswer(const std::string& answer, const sig::SignerTrust& trust,
                                  const FeedExpectation& expect);

}  // namespace tdv::http

#endif  // TDV_HTTP_FEED_H_
