// SPDX-License-Identifier: Apache-2.0
// Agency B's side of the partner exchange over HTTP (docs/exchange.md): one
// partner agency's TDV, reached with a key of role partner that the
// partner made for B.
//
// Thread safety: every member may be called from any thread (each call
// opens its own connection).
#ifndef TDV_HTTP_PARTNER_CLIENT_H_
#define TDV_HTTP_PARTNER_CLIENT_H_

#include <cstddef>
#include <cstdint>
#include <string>
#include <utility>
#include <vector>

#include "tdv/mrz/result.h"
#include "tdv/verify/exchange.h"

namespace tdv::http {

struct PartnerOptions {
  std::string url;  // "https://tdv.agency-a.example:8443" (http:// for loopback tests)
  std::string key;  // "tdv_<id>_<secret>", role partner, made by the partner
  int timeout_seconds = 10;
  std::string ca_file;             // PEM CAs to trust for https ("": the system's)
  std::size_t page = 100000;       // outputs asked for a page (the route's most)
  int feed_timeout_seconds = 120;  // a feed of millions of entries takes a while
};

class PartnerClient {
 public:
  explicit PartnerClient(PartnerOptions options) : options_(std::move(options)) {}

  // Every page of the partner's GET /v1/exchange/outputs, as one set; when
  // the partner's sequence moves while paging, started again (at most 3
  // times). kUnavailable when the partner cannot be reached or answers
  // other than 200 (its problem's detail in the message), kCorrupt when
  // its answer is not what the route promises. With `held`, the outputs
  // last fetched: first asked as a delta from its sequence (?since=SEQ),
  // taken when it applies to them and comes to the total the partner
  // gives; paged whole otherwise (`whole`, when given, says which).
  Result<verify::exchange::PublishedSet> FetchOutputs(
      const verify::exchange::PublishedSet* held = nullptr, bool* whole = nullptr) const;

  // POST /v1/exchange/evaluate: the evaluator verify::exchange::
  // CheckDocument takes. At most 64 elements a call.
  Result<std::vector<std::vector<std::uint8_t>>> Evaluate(
      const std::vector<std::vector<std::uint8_t>>& elements) const;

  // GET /v1/feeds/{list}?since=SEQ[&changes=CURSOR]: the signed answer as
  // it came, for OpenFeedAnswer (tdv/http/feed.h); a delta from `changes`
  // where A can make one (0: the feed whole). kUnavailable as FetchOutputs.
  Result<std::string> FetchFeed(const std::string& list, std::int64_t since,
                                std::int64_t changes = 0) const;

 private:
  PartnerOptions options_;
};

}  // namespace tdv::http

#endif  // TDV_HTTP_PARTNER_CLIENT_H_
