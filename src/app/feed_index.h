// SPDX-License-Identifier: Apache-2.0
// Agency B's verified, indexed form of a partner's feed it keeps
// (docs/exchange.md, mode 2): DATA/feeds/NAME.index beside the signed answer
// as received (NAME.feed) and the signed deltas taken after it
// (NAME.delta.1, ...). Verifying that answer again costs seconds for a
// million records (its JSON, base64 and signature); the index holds the
// entries as the lookups use them, sorted, and is taken only when
//   - its MAC holds: HMAC-SHA-256 under a key derived from the partner's
//     feed key, which the data directory does not hold (an index written by
//     anyone without it is refused);
//   - it names the list, sequence and since of the copy's state;
//   - the SHA-256 of the kept answer's bytes is the one it was made from
//     (an answer altered on disk is verified again, and refused); and
//   - the signer certificates B trusts for the partner are those it was
//     verified against (a changed trust verifies the answer again).
// Otherwise the caller verifies the answer as it did on arrival and writes
// the index anew.
//
// Format: "TDVFIDX1", a 4-byte little-endian length and that many bytes of
// JSON {"list", "sequence", "since", "copy_sha256", "signer_sha256",
// "changes", "details" (how many records' details the partner shares; -1:
// none shared)}, an 8-byte count N, N entries of 17 bytes (the 16-byte
// output, then 1 for a look-alike entry, 0 for an exact one) in the set's
// order, the records' details (verify::exchange::AppendDetails each), and
// the MAC over all of it as 64 hex digits.
#ifndef TDV_APP_FEED_INDEX_H_
#define TDV_APP_FEED_INDEX_H_

#include <cstdint>
#include <filesystem>
#include <string>
#include <vector>

#include "tdv/mrz/result.h"
#include "tdv/verify/exchange.h"

namespace tdv::app {

struct FeedIndexHeader {
  std::string list;
  std::int64_t sequence = 0, since = 0;
  std::string copy_sha256;    // of the kept answers' bytes (KeptDigest), 64 hex digits
  std::string signer_sha256;  // of the trusted signer file's bytes
  std::int64_t changes = 0;   // the partner's change cursor the entries reflect
};

// What copy_sha256 names for a whole answer kept and the deltas kept after
// it, in order: the whole answer's SHA-256, then, for each delta, the
// SHA-256 of the digest so far and the delta's SHA-256 (hex).
std::string KeptDigest(const std::string& whole, const std::vector<std::string>& deltas);

// Writes `set` with `header` to `path` whole or not at all.
Status WriteFeedIndex(const std::filesystem::path& path, const std::string& feed_key,
                      const FeedIndexHeader& header, const verify::exchange::PublishedSet& set);

// The set kept at `path` when it is whole, its MAC holds under `feed_key`,
// and its header is `expect` (kCorrupt saying which failed; kNotFound when
// there is no index).
Result<verify::exchange::PublishedSet> ReadFeedIndex(const std::filesystem::path& path,
                                                     const std::string& feed_key,
                                                     const FeedIndexHeader& expect);

}  // namespace tdv::app

#endif  // TDV_APP_FEED_INDEX_H_
