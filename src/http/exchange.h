// SPDX-License-Identifier: Apache-2.0
// The partner exchange's routes, agency A's side (docs/exchange.md):
//   POST /v1/exchange/evaluate   {"elements": [hex, ...]} -> {"evaluated": [hex, ...]}
//   GET  /v1/exchange/outputs?offset=N&limit=M   A's published outputs, a page
// Both for keys of role partner (or admin). The evaluation is recorded in
// the audit trail under the caller's key with the number of elements, never
// what they are (A cannot know); so is each page of outputs fetched.
#ifndef TDV_SRC_HTTP_EXCHANGE_H_
#define TDV_SRC_HTTP_EXCHANGE_H_

#include <httplib.h>

#include <cstdint>
#include <functional>
#include <memory>
#include <vector>

#include "tdv/http/keys.h"
#include "tdv/verify/audit.h"
#include "tdv/verify/exchange.h"

namespace tdv::http::internal {

struct ExchangeContext {
  const std::vector<std::uint8_t>* key = nullptr;  // empty or null: no exchange (404)
  // The outputs as last built; nullptr while the first build runs (503).
  const std::function<std::shared_ptr<const verify::exchange::PublishedSet>()>* published = nullptr;
  std::size_t max_elements = 64;
  verify::AuditTrail* audit = nullptr;
  // Mode 2's signed feeds (ServerOptions::feed); null or empty: 404.
  const std::function<Result<std::string>(const std::string&, const std::string&, std::int64_t,
                                          std::int64_t)>* feed = nullptr;
  // ServerOptions::exchange_delta; null or empty: no deltas.
  const std::function<std::optional<verify::exchange::SetDelta>(std::int64_t)>* delta = nullptr;
};

void ExchangeEvaluate(const ExchangeContext& ctx, const Principal& who, const httplib::Request& req,
                      httplib::Response& res);
// GET /v1/feeds/{list}?since=SEQ[&changes=CURSOR]: the list's feed (or its
// delta from CURSOR) signed for the calling
// partner (docs/exchange.md, mode 2), recorded in the audit trail.
void ExchangeFeed(const ExchangeContext& ctx, const Principal& who, const httplib::Request& req,
                  httplib::Response& res);
void ExchangeOutputs(const ExchangeContext& ctx, const Principal& who, const httplib::Request& req,
                     httplib::Response& res);

}  // namespace tdv::http::internal

#endif  // TDV_SRC_HTTP_EXCHANGE_H_
