// SPDX-License-Identifier: Apache-2.0
#include "tdv/http/partner_client.h"

#include <httplib.h>

#include <nlohmann/json.hpp>

#include "json_number.h"
#include "tdv/sig/base64.h"

namespace tdv::http {
namespace {

using nlohmann::json;

Error Unavailable(const std::string& what) {
  return Error{ErrorCode::kUnavailable, "partner: " + what};
}
Error Corrupt(const std::string& what) { return Error{ErrorCode::kCorrupt, "partner: " + what}; }

std::unique_ptr<httplib::Client> Connect(const PartnerOptions& o) {
  auto client = std::make_unique<httplib::Client>(o.url);
  client->set_connection_timeout(o.timeout_seconds);
  client->set_read_timeout(o.timeout_seconds);
  client->set_write_timeout(o.timeout_seconds);
  client->set_bearer_token_auth(o.key);
  if (!o.ca_file.empty()) client->set_ca_cert_path(o.ca_file);
  client->enable_server_certificate_verification(true);
  return client;
}

// The answer as JSON, or why there is none.
Result<json> Answer(const httplib::Result& res, const std::string& what) {
  if (!res) return Unavailable(what + ": " + httplib::to_string(res.error()));
  if (res->status != 200) {
    const json problem = json::parse(res->body, nullptr, false);
    const std::string detail =
        problem.is_object() && problem.contains("detail") && problem["detail"].is_string()
            ? problem["detail"].get<std::string>()
            : res->body.substr(0, 200);
    return Unavailable(what + ": HTTP " + std::to_string(res->status) + ": " + detail);
  }
  json j = json::parse(res->body, nullptr, false);
  if (j.is_discarded() || !j.is_object()) return Corrupt(what + ": the answer is not JSON");
  return j;
}

}  // namespace

namespace {
Result<verify::exchange::Entry> ReadEntry(const json& o, std::size_t lists) {
  verify::exchange::Entry e;
  auto bytes = sig::DecodeHex(o.at("output").get<std::string>());
  if (!bytes || bytes->size() != e.output.size())
    return Corrupt("an output is not " + std::to_string(e.output.size()) + " bytes in hex");
  std::copy(bytes->begin(), bytes->end(), e.output.begin());
  e.list = static_cast<std::uint32_t>(internal::JsonCount(o.at("list"), UINT32_MAX));
  if (e.list >= lists) return Corrupt("an output names a list that is not there");
  e.look_alike = o.at("look_alike").get<bool>();
  return e;
}

// A delta answer applied to `held`: nullopt when it does not apply (other
// lists, or not the partner's total after it).
Result<std::optional<verify::exchange::PublishedSet>> ApplyDelta(
    const json& j, const verify::exchange::PublishedSet& held) {
  try {
    if (internal::JsonInt64(j.at("since")) != held.sequence())
      return Corrupt("a delta from another sequence than asked");
    if (j.at("lists").get<std::vector<std::string>>() != held.lists())
      return std::optional<verify::exchange::PublishedSet>();
    std::vector<verify::exchange::Entry> added, removed;
    for (const char* side : {"added", "removed"}) {
      for (const json& o : j.at(side)) {
        auto e = ReadEntry(o, held.lists().size());
        if (!e) return e.error();
        (std::string(side) == "added" ? added : removed).push_back(*e);
      }
    }
    auto next = held.Patched(std::move(added), removed, internal::JsonInt64(j.at("sequence")));
    if (next.entries().size() != internal::JsonCount(j.at("total"), SIZE_MAX))
      return std::optional<verify::exchange::PublishedSet>();
    return std::optional<verify::exchange::PublishedSet>(std::move(next));
  } catch (const json::exception& e) {
    return Corrupt(std::string("GET /v1/exchange/outputs: ") + e.what());
  } catch (const std::out_of_range& e) {
    return Corrupt(std::string("GET /v1/exchange/outputs: ") + e.what());
  }
}
}  // namespace

Result<verify::exchange::PublishedSet> PartnerClient::FetchOutputs(
    const verify::exchange::PublishedSet* held, bool* whole) const {
  auto client = Connect(options_);
  if (whole != nullptr) *whole = true;
  if (held != nullptr) {
    auto j = Answer(client->Get("/v1/exchange/outputs?limit=" + std::to_string(options_.page) +
                                "&since=" + std::to_string(held->sequence())),
                    "GET /v1/exchange/outputs");
    if (!j) return j.error();
    if (j->contains("since")) {
      auto next = ApplyDelta(*j, *held);
      if (!next) return next.error();
      if (*next) {
        if (whole != nullptr) *whole = false;
        return std::move(**next);
      }
    }
    // Not a delta (the partner keeps none from there), or one that does
    // not come to its total: the outputs whole.
  }
  for (int attempt = 0; attempt < 3; ++attempt) {
    std::vector<verify::exchange::Entry> entries;
    std::vector<std::string> lists;
    std::int64_t sequence = -1;
    bool moved = false;
    for (;;) {
      auto j = Answer(client->Get("/v1/exchange/outputs?limit=" + std::to_string(options_.page) +
                                  "&offset=" + std::to_string(entries.size())),
                      "GET /v1/exchange/outputs");
      if (!j) return j.error();
      try {
        const std::int64_t seq = internal::JsonInt64(j->at("sequence"));
        if (sequence >= 0 && seq != sequence) {
          moved = true;
          break;
        }
        sequence = seq;
        lists = j->at("lists").get<std::vector<std::string>>();
        const std::size_t total = internal::JsonCount(j->at("total"), SIZE_MAX);
        if (internal::JsonCount(j->at("offset"), SIZE_MAX) != entries.size())
          return Corrupt("a page starts at another offset than asked");
        const json& outputs = j->at("outputs");
        for (const json& o : outputs) {
          auto e = ReadEntry(o, lists.size());
          if (!e) return e.error();
          entries.push_back(*e);
        }
        if (entries.size() >= total) break;
        if (outputs.empty()) return Corrupt("a page is empty before the total is reached");
      } catch (const json::exception& e) {
        return Corrupt(std::string("GET /v1/exchange/outputs: ") + e.what());
      } catch (const std::out_of_range& e) {
        return Corrupt(std::string("GET /v1/exchange/outputs: ") + e.what());
      }
    }
    if (!moved) {
      return verify::exchange::PublishedSet::FromEntries(std::move(lists), std::move(entries),
                                                         sequence);
    }
  }
  return Unavailable("the outputs kept changing while they were fetched");
}

Result<std::string> PartnerClient::FetchFeed(const std::string& list, std::int64_t since,
                                             std::int64_t changes) const {
  auto client = Connect(options_);
  client->set_read_timeout(options_.feed_timeout_seconds);
  const std::string what = "GET /v1/feeds/" + list;
  auto res = client->Get("/v1/feeds/" + httplib::detail::encode_query_param(list) +
                         "?since=" + std::to_string(since) +
                         (changes > 0 ? "&changes=" + std::to_string(changes) : ""));
  if (!res || res->status != 200) {
    auto j = Answer(res, what);
    return j ? Unavailable(what + ": no answer") : j.error();
  }
  return std::move(res->body);
}

Result<std::vector<std::vector<std::uint8_t>>> PartnerClient::Evaluate(
    const std::vector<std::vector<std::uint8_t>>& elements) const {
  json body{{"elements", json::array()}};
  for (const auto& e : elements) body["elements"].push_back(sig::EncodeHex(e));
  auto client = Connect(options_);
  auto j = Answer(client->Post("/v1/exchange/evaluate", body.dump(), "application/json"),
                  "POST /v1/exchange/evaluate");
  if (!j) return j.error();
  std::vector<std::vector<std::uint8_t>> out;
  try {
    for (const json& e : j->at("evaluated")) {
      auto bytes = sig::DecodeHex(e.get<std::string>());
      if (!bytes) return Corrupt("an evaluated element is not hex");
      out.push_back(std::move(*bytes));
    }
  } catch (const json::exception& e) {
    return Corrupt(std::string("POST /v1/exchange/evaluate: ") + e.what());
  }
  return out;
}

}  // namespace tdv::http
