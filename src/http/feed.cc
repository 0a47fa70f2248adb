// SPDX-License-Identifier: Apache-2.0
#include "tdv/http/feed.h"

#include <cstring>
#include <nlohmann/json.hpp>

#include "tdv/sig/base64.h"

namespace tdv::http {
namespace {

using nlohmann::json;
using verify::exchange::Entry;
using verify::exchange::kPublishedBytes;

Error Refused(const std::string& why) { return Error{ErrorCode::kCorrupt, "feed refused: " + why}; }

std::string Pack(const verify::exchange::PublishedSet& set, bool look_alike) {
  std::vector<std::uint8_t> bytes;
  for (const Entry& e : set.entries()) {
    if (e.look_alike == look_alike) bytes.insert(bytes.end(), e.output.begin(), e.output.end());
  }
  return sig::EncodeBase64(bytes);
}

bool Unpack(const std::string& text, bool look_alike, std::vector<Entry>& into) {
  auto bytes = sig::DecodeBase64(text);
  if (!bytes || bytes->size() % kPublishedBytes != 0) return false;
  for (std::size_t i = 0; i < bytes->size(); i += kPublishedBytes) {
    Entry e;
    std::memcpy(e.output.data(), bytes->data() + i, kPublishedBytes);
    e.list = 0;
    e.look_alike = look_alike;
    into.push_back(e);
  }
  return true;
}

}  // namespace

Result<std::string> MakeFeedAnswer(const FeedHeader& header,
                                   const verify::exchange::PublishedSet* set,
                                   const sig::DataSigner& signer) {
  json payload{{"format", "tdv-feed-1"},       {"partner", header.partner},
               {"list", header.list},          {"sequence", header.sequence},
               {"since", header.since},        {"issued", header.issued},
               {"unchanged", header.unchanged}};
  payload["exact"] = set != nullptr && !header.unchanged ? Pack(*set, false) : "";
  payload["look_alike"] = set != nullptr && !header.unchanged ? Pack(*set, true) : "";
  const std::string bytes = payload.dump();
  auto signature = signer.Sign(bytes);
  if (!signature) return signature.error();
  const std::vector<std::uint8_t> raw(bytes.begin(), bytes.end());
  return json{{"payload", sig::EncodeBase64(raw)}, {"signature", sig::EncodeBase64(*signature)}}
      .dump();
}

Result<OpenedFeed> OpenFeedAnswer(const std::string& answer, const sig::SignerTrust& trust,
                                  const FeedExpectation& expect) {
  const json outer = json::parse(answer, nullptr, false);
  if (!outer.is_object() || !outer.contains("payload") || !outer.contains("signature") ||
      !outer["payload"].is_string() || !outer["signature"].is_string())
    return Refused("the answer is not {\"payload\", \"signature\"}");
  auto payload = sig::DecodeBase64(outer["payload"].get<std::string>());
  auto signature = sig::DecodeBase64(outer["signature"].get<std::string>());
  if (!payload || !signature) return Refused("the payload or the signature is not base64");
  const std::string bytes(payload->begin(), payload->end());
  if (Status s = trust.Verify(bytes, *signature); !s)
    return Refused("not signed by the partner (" + s.error().message + ")");
  OpenedFeed out;
  FeedHeader& h = out.header;
  std::vector<Entry> entries;
  try {
    const json p = json::parse(bytes);
    if (p.at("format").get<std::string>() != "tdv-feed-1") return Refused("an unknown format");
    h.partner = p.at("partner").get<std::string>();
    h.list = p.at("list").get<std::string>();
    h.sequence = p.at("sequence").get<std::int64_t>();
    h.since = p.at("since").get<std::int64_t>();
    h.issued = p.at("issued").get<std::string>();
    h.unchanged = p.at("unchanged").get<bool>();
    if (!h.unchanged && (!Unpack(p.at("exact").get<std::string>(), false, entries) ||
                         !Unpack(p.at("look_alike").get<std::string>(), true, entries)))
      return Refused("its entries are not whole");
  } catch (const json::exception& e) {
    return Refused(std::string("the payload is not a feed: ") + e.what());
  }
  if (h.partner != expect.partner) return Refused("made for another partner (" + h.partner + ")");
  if (h.list != expect.list) return Refused("a feed of another list (" + h.list + ")");
  if (h.since != expect.since) {
    return Refused("an answer to another request (since " + std::to_string(h.since) +
                   ", asked since " + std::to_string(expect.since) + "): replayed");
  }
  if (expect.held) {
    if (h.sequence < expect.held->sequence) {
      return Refused("sequence " + std::to_string(h.sequence) + " is older than the copy held (" +
                     std::to_string(expect.held->sequence) + "): rolled back");
    }
    if (h.issued <= expect.held->issued) {
      return Refused("issued " + h.issued + ", not after the copy held (" + expect.held->issued +
                     "): replayed");
    }
  }
  if (h.unchanged && h.sequence != h.since)
    return Refused("\"unchanged\" while its sequence moved");
  if (!h.unchanged) {
    out.set = verify::exchange::PublishedSet::FromEntries({h.list}, std::move(entries), h.sequence);
  }
  return out;
}

}  // namespace tdv::http
