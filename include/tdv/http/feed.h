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
// entries), "changes" (A's change sequence the entries reflect: the
// cursor B asks the next delta from) and "entries" (how many the partner's
// copy holds after this answer), and, when A shares them (feed_details),
// "details" (base64 of each record's verify::exchange::SharedDetails,
// AppendDetails)}; the signature is a detached CMS SignedData over the
// payload's bytes (sig/signed_data.h).
//
// A delta (MakeFeedDelta) carries "delta": true, "from" (the change
// sequence it starts at: the cursor B asked with) and "records" (base64 of
// the keyed changes, 37 bytes each: the exact output, the look-alike
// output, 1 when listed after the change and 0 when not, and a 4-byte
// little-endian record number) in place of the entries, and "details" (one
// a record, in order) when A shares them; B applies it to the copy it holds
// (PublishedSet::Apply) and takes the result only when it holds "entries"
// entries.
//
// Thread safety: free functions, no shared state.
#ifndef TDV_HTTP_FEED_H_
#define TDV_HTTP_FEED_H_

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

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
  std::int64_t changes = 0;  // A's change sequence the entries reflect (0: not given)
  std::int64_t entries = 0;  // entries of the copy after this answer (0 with unchanged)
  bool delta = false;
  std::int64_t from = 0;  // a delta: the change sequence it starts at
};

// A's side: the answer for `header` with the entries of `set` (one list;
// none when header.unchanged), signed by `signer`.
Result<std::string> MakeFeedAnswer(const FeedHeader& header,
                                   const verify::exchange::PublishedSet* set,
                                   const sig::DataSigner& signer);

// A's side: a delta for `header` (delta set, from the cursor the partner
// asked with): the keyed changes since, signed by `signer`.
Result<std::string> MakeFeedDelta(const FeedHeader& header,
                                  const std::vector<verify::exchange::KeyedChange>& changes,
                                  const sig::DataSigner& signer);

// What B accepts a feed answer against: who it must be for, which list,
// the since (and change cursor) it asked with, and the copy it holds
// (nullopt: none yet).
struct FeedExpectation {
  std::string partner, list;
  std::int64_t since = 0;
  std::optional<FeedHeader> held;  // the last answer accepted
  std::int64_t changes = 0;        // the cursor asked with (0: none, a whole feed asked)
  // The copy held, a delta is applied to (required for a delta).
  const verify::exchange::PublishedSet* held_set = nullptr;
};

struct OpenedFeed {
  FeedHeader header;
  // The copy after the answer: the feed's entries, or the held copy with
  // the delta applied; none when unchanged.
  std::optional<verify::exchange::PublishedSet> set;
};

// B's side: the answer checked, in this order, and refused (kCorrupt,
// saying which) when it is not signed by a signer `trust` accepts over its
// exact bytes (tampered), not a feed, made for another partner or list,
// an answer to another request (its since), older than the copy held
// (a rollback: a lower sequence; a replay: issued no later than the held
// one's), "unchanged" while the sequence moved, a delta from another cursor
// than the one asked with or with no copy held, entries that do not come
// to the count it signs, or details that are not its records'.
Result<OpenedFeed> OpenFeedAnswer(const std::string& answer, const sig::SignerTrust& trust,
                                  const FeedExpectation& expect);

// The same checks after the signature: the payload's bytes as the partner
// signed them (OpenFeedAnswer calls it once the signature holds).
Result<OpenedFeed> OpenFeedPayload(const std::string& payload, const FeedExpectation& expect);

}  // namespace tdv::http

#endif  // TDV_HTTP_FEED_H_
