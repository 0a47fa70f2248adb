// SPDX-License-Identifier: Apache-2.0
#include "exchange.h"

#include <cstdlib>
#include <nlohmann/json.hpp>
#include <string>

#include "http_util.h"
#include "json_writer.h"
#include "tdv/sig/base64.h"
#include "tdv/sig/oprf.h"

namespace tdv::http::internal {
namespace {

// 404 when this instance shares nothing.
bool Enabled(const ExchangeContext& ctx, httplib::Response& res) {
  if (ctx.key != nullptr && !ctx.key->empty()) return true;
  SendProblem(res, 404, "not-found", "Not found",
              "this instance shares no lists (exchange_lists is not set)");
  return false;
}

// Records the call; false (503 sent) when it cannot be.
bool Record(const ExchangeContext& ctx, const Principal& who, const std::string& action,
            const std::string& detail, httplib::Response& res) {
  if (ctx.audit == nullptr) return true;
  if (ctx.audit->Record(
          verify::AuditTrail::ChangeEntry(who.key_id.empty() ? "-" : who.key_id, action, detail))) {
    return true;
  }
  SendProblem(res, 503, "unavailable", "Service unavailable",
              "the call cannot be recorded in the audit trail; it was not answered");
  return false;
}

}  // namespace

void ExchangeEvaluate(const ExchangeContext& ctx, const Principal& who, const httplib::Request& req,
                      httplib::Response& res) {
  if (!Enabled(ctx, res)) return;
  if (MediaType(req) != kJsonType) {
    return SendProblem(res, 415, "unsupported-media-type", "Unsupported media type",
                       "the elements are application/json");
  }
  const nlohmann::json j = nlohmann::json::parse(req.body, nullptr, false);
  if (j.is_discarded() || !j.is_object())
    return SendProblem(res, 400, "malformed-json", "Malformed JSON", "the body is not an object");
  const auto elements = j.find("elements");
  if (elements == j.end() || !elements->is_array() || elements->empty() ||
      elements->size() > ctx.max_elements) {
    return SendProblem(res, 422, "invalid-request", "Invalid request",
                       "\"elements\" must be an array of 1-" + std::to_string(ctx.max_elements) +
                           " blinded elements (66 hex digits each)");
  }
  JsonWriter w;
  w.BeginObject().Key("evaluated").BeginArray();
  for (std::size_t i = 0; i < elements->size(); ++i) {
    const auto& e = (*elements)[i];
    const std::string where = "elements[" + std::to_string(i) + "]";
    auto element = e.is_string() ? sig::DecodeHex(e.get<std::string>())
                                 : Result<std::vector<std::uint8_t>>(Error{});
    if (!element) {
      return SendProblem(res, 422, "invalid-request", "Invalid request",
                         where + " is not a hex string");
    }
    auto z = sig::oprf::BlindEvaluate(*ctx.key, *element);
    if (!z) {
      if (z.error().code == ErrorCode::kInvalidInput) {
        return SendProblem(res, 422, "invalid-request", "Invalid request",
                           where + ": " + z.error().message);
      }
      return SendError(res, z.error());
    }
    w.Value(sig::EncodeHex(*z));
  }
  w.EndArray().EndObject();
  if (!Record(ctx, who, "exchange.evaluate", "elements=" + std::to_string(elements->size()), res))
    return;
  res.set_content(w.Take(), kJsonType);
}

void ExchangeFeed(const ExchangeContext& ctx, const Principal& who, const httplib::Request& req,
                  httplib::Response& res) {
  if (ctx.feed == nullptr || !*ctx.feed) {
    return SendProblem(res, 404, "not-found", "Not found",
                       "this instance signs no feeds (feed_signer_cert is not set)");
  }
  std::int64_t since = 0, changes = 0;
  for (const auto& [name, into] : {std::pair<const char*, std::int64_t*>{"since", &since},
                                   std::pair<const char*, std::int64_t*>{"changes", &changes}}) {
    if (!req.has_param(name)) continue;
    const std::string v = req.get_param_value(name);
    char* end = nullptr;
    const long long n = std::strtoll(v.c_str(), &end, 10);
    if (v.empty() || *end != '\0' || n < 0 || v.size() > 18) {
      return SendProblem(
          res, 422, "invalid-request", "Invalid request",
          std::string(name) + " must be a sequence number (an integer of 0 or more)");
    }
    *into = n;
  }
  const std::string list = req.matches[1];
  auto feed = (*ctx.feed)(list, who.key_id, since, changes);
  if (!feed) {
    if (feed.error().code == ErrorCode::kNotFound) {
      return SendProblem(res, 404, "not-found", "Not found",
                         "list '" + list + "' is not shared by this instance");
    }
    return SendError(res, feed.error());
  }
  if (!Record(ctx, who, "exchange.feed",
              "list=" + list + " since=" + std::to_string(since) +
                  (changes > 0 ? " changes=" + std::to_string(changes) : ""),
              res))
    return;
  res.set_content(std::move(*feed), kJsonType);
}

void ExchangeOutputs(const ExchangeContext& ctx, const Principal& who, const httplib::Request& req,
                     httplib::Response& res) {
  if (!Enabled(ctx, res)) return;
  auto number = [&](const char* name, std::size_t fallback, std::size_t most,
                    std::size_t& out) -> bool {
    out = fallback;
    if (!req.has_param(name)) return true;
    const std::string v = req.get_param_value(name);
    char* end = nullptr;
    const unsigned long long n = std::strtoull(v.c_str(), &end, 10);
    if (v.empty() || v[0] == '-' || *end != '\0' || n > most) {
      SendProblem(res, 422, "invalid-request", "Invalid request",
                  std::string(name) + " must be an integer 0-" + std::to_string(most));
      return false;
    }
    out = static_cast<std::size_t>(n);
    return true;
  };
  std::size_t offset = 0, limit = 0, since = 0;
  if (!number("offset", 0, SIZE_MAX / 2, offset) || !number("limit", 10000, 100000, limit) ||
      !number("since", 0, SIZE_MAX / 2, since))
    return;
  std::shared_ptr<const verify::exchange::PublishedSet> set =
      ctx.published != nullptr && *ctx.published ? (*ctx.published)() : nullptr;
  if (!set) {
    res.set_header("Retry-After", "5");
    return SendProblem(res, 503, "unavailable", "Service unavailable",
                       "the published outputs are being built; retry shortly");
  }
  const auto entry = [](JsonWriter& w, const verify::exchange::Entry& e) {
    w.BeginObject()
        .Member("output", sig::EncodeHex(e.output))
        .Member("list", static_cast<std::int64_t>(e.list))
        .Member("look_alike", e.look_alike)
        .EndObject();
  };
  // A partner holding the outputs of sequence `since`: what changed since,
  // when that is known and fits in `limit` entries; otherwise the first
  // page of the outputs whole, as without `since`.
  if (req.has_param("since") && offset == 0 && ctx.delta != nullptr && *ctx.delta) {
    const auto delta = (*ctx.delta)(static_cast<std::int64_t>(since));
    if (delta && delta->to == set->sequence() &&
        delta->added.size() + delta->removed.size() <= limit) {
      JsonWriter w;
      w.BeginObject().Member("sequence", set->sequence()).Key("lists").BeginArray();
      for (const std::string& l : set->lists()) w.Value(l);
      w.EndArray()
          .Member("total", static_cast<std::int64_t>(set->entries().size()))
          .Member("since", delta->from)
          .Key("added")
          .BeginArray();
      for (const auto& e : delta->added) entry(w, e);
      w.EndArray().Key("removed").BeginArray();
      for (const auto& e : delta->removed) entry(w, e);
      w.EndArray().EndObject();
      if (!Record(ctx, who, "exchange.outputs",
                  "since=" + std::to_string(since) +
                      " added=" + std::to_string(delta->added.size()) +
                      " removed=" + std::to_string(delta->removed.size()),
                  res))
        return;
      return res.set_content(w.Take(), kJsonType);
    }
  }
  const auto& entries = set->entries();
  const std::size_t from = std::min(offset, entries.size());
  const std::size_t to = std::min(entries.size(), from + limit);
  JsonWriter w;
  w.BeginObject().Member("sequence", set->sequence()).Key("lists").BeginArray();
  for (const std::string& l : set->lists()) w.Value(l);
  w.EndArray()
      .Member("total", static_cast<std::int64_t>(entries.size()))
      .Member("offset", static_cast<std::int64_t>(from))
      .Key("outputs")
      .BeginArray();
  for (std::size_t i = from; i < to; ++i) entry(w, entries[i]);
  w.EndArray().EndObject();
  if (!Record(ctx, who, "exchange.outputs",
              "offset=" + std::to_string(from) + " count=" + std::to_string(to - from), res))
    return;
  res.set_content(w.Take(), kJsonType);
}

}  // namespace tdv::http::internal
