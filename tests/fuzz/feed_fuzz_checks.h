// SPDX-License-Identifier: Apache-2.0
// What the feed fuzz targets (fuzz_feed_answer, fuzz_feed_payload) require
// of B's reading of any bytes: a refusal as kCorrupt, or a feed that is the
// one asked for (partner, list, since), entries exactly when not
// "unchanged", and details, where the partner shares them, only of records
// the copy lists. Aborts otherwise; returns the feed taken, if any (within
// `feed`: keep the result, not a temporary).
#ifndef TDV_TESTS_FUZZ_FEED_FUZZ_CHECKS_H_
#define TDV_TESTS_FUZZ_FEED_FUZZ_CHECKS_H_

#include <cstdlib>

#include "tdv/http/feed.h"

namespace tdv::fuzz {

inline const http::OpenedFeed* RequireAsAsked(const Result<http::OpenedFeed>& feed,
                                              const http::FeedExpectation& expect) {
  if (!feed) {
    if (feed.error().code != ErrorCode::kCorrupt) std::abort();
    return nullptr;
  }
  const auto& h = feed->header;
  if (h.partner != expect.partner || h.list != expect.list || h.since != expect.since) std::abort();
  if (h.unchanged == feed->set.has_value()) std::abort();
  if (feed->set) {
    for (const auto& d : feed->set->details())
      if (feed->set->Find(d.exact).empty()) std::abort();
  }
  return &*feed;
}

}  // namespace tdv::fuzz

#endif  // TDV_TESTS_FUZZ_FEED_FUZZ_CHECKS_H_
