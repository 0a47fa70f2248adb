// SPDX-License-Identifier: Apache-2.0
#include "tdv/http/feed.h"

#include <algorithm>
#include <cstring>
#include <nlohmann/json.hpp>

#include "json_number.h"
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

constexpr std::size_t kChangeBytes = 2 * kPublishedBytes + 1 + 4;

std::string PackChanges(const std::vector<verify::exchange::KeyedChange>& changes) {
  std::vector<std::uint8_t> bytes;
  bytes.reserve(changes.size() * kChangeBytes);
  for (const auto& c : changes) {
    bytes.insert(bytes.end(), c.exact.output.begin(), c.exact.output.end());
    bytes.insert(bytes.end(), c.look_alike.output.begin(), c.look_alike.output.end());
    bytes.push_back(c.listed ? 1 : 0);
    for (int i = 0; i < 4; ++i) bytes.push_back(static_cast<std::uint8_t>(c.record >> (8 * i)));
  }
  return sig::EncodeBase64(bytes);
}

bool UnpackChanges(const std::string& text, std::vector<verify::exchange::KeyedChange>& into) {
  auto bytes = sig::DecodeBase64(text);
  if (!bytes || bytes->size() % kChangeBytes != 0) return false;
  for (std::size_t i = 0; i < bytes->size(); i += kChangeBytes) {
    const std::uint8_t* b = bytes->data() + i;
    verify::exchange::KeyedChange c;
    std::memcpy(c.exact.output.data(), b, kPublishedBytes);
    std::memcpy(c.look_alike.output.data(), b + kPublishedBytes, kPublishedBytes);
    c.look_alike.look_alike = true;
    const std::uint8_t listed = b[2 * kPublishedBytes];
    if (listed > 1) return false;
    c.listed = listed == 1;
    for (int k = 0; k < 4; ++k)
      c.record |= static_cast<std::uint32_t>(b[2 * kPublishedBytes + 1 + k]) << (8 * k);
    into.push_back(c);
  }
  return true;
}

// The records' details A shares (verify::exchange::AppendDetails each).
std::string PackDetails(const std::vector<verify::exchange::SharedDetails>& details) {
  std::string bytes;
  bytes.reserve(details.size() * verify::exchange::kDetailsBytes);
  for (const auto& d : details) verify::exchange::AppendDetails(bytes, d);
  return sig::EncodeBase64(std::span<const std::uint8_t>(
      reinterpret_cast<const std::uint8_t*>(bytes.data()), bytes.size()));
}

bool UnpackDetails(const std::string& text, std::vector<verify::exchange::SharedDetails>& into) {
  using verify::exchange::kDetailsBytes;
  auto bytes = sig::DecodeBase64(text);
  if (!bytes || bytes->size() % kDetailsBytes != 0) return false;
  for (std::size_t i = 0; i < bytes->size(); i += kDetailsBytes) {
    auto d = verify::exchange::ParseDetails(
        std::span<const std::uint8_t, kDetailsBytes>(bytes->data() + i, kDetailsBytes));
    if (!d) return false;
    into.push_back(std::move(*d));
  }
  return true;
}

json Header(const FeedHeader& header) {
  return json{
      {"format", "tdv-feed-1"},        {"partner", header.partner}, {"list", header.list},
      {"sequence", header.sequence},   {"since", header.since},     {"issued", header.issued},
      {"unchanged", header.unchanged}, {"changes", header.changes}, {"entries", header.entries}};
}

Result<std::string> Signed(const json& payload, const sig::DataSigner& signer) {
  const std::string bytes = payload.dump();
  auto signature = signer.Sign(bytes);
  if (!signature) return signature.error();
  const std::vector<std::uint8_t> raw(bytes.begin(), bytes.end());
  return json{{"payload", sig::EncodeBase64(raw)}, {"signature", sig::EncodeBase64(*signature)}}
      .dump();
}

}  // namespace

Result<std::string> MakeFeedDelta(const FeedHeader& header,
                                  const std::vector<verify::exchange::KeyedChange>& changes,
                                  const sig::DataSigner& signer) {
  json payload = Header(header);
  payload["delta"] = true;
  payload["from"] = header.from;
  payload["records"] = PackChanges(changes);
  // Each record's details, in the records' order, when A shares them.
  if (!changes.empty() && std::all_of(changes.begin(), changes.end(),
                                      [](const auto& c) { return c.details.has_value(); })) {
    std::vector<verify::exchange::SharedDetails> details;
    for (const auto& c : changes) details.push_back(*c.details);
    payload["details"] = PackDetails(details);
  }
  return Signed(payload, signer);
}

Result<std::string> MakeFeedAnswer(const FeedHeader& header,
                                   const verify::exchange::PublishedSet* set,
                                   const sig::DataSigner& signer) {
  const bool whole = set != nullptr && !header.unchanged;
  FeedHeader h = header;
  h.entries = whole ? static_cast<std::int64_t>(set->entries().size()) : 0;
  json payload = Header(h);
  payload["exact"] = whole ? Pack(*set, false) : "";
  payload["look_alike"] = whole ? Pack(*set, true) : "";
  if (whole && set->shares_details()) payload["details"] = PackDetails(set->details());
  return Signed(payload, signer);
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
  return OpenFeedPayload(bytes, expect);
}

Result<OpenedFeed> OpenFeedPayload(const std::string& bytes, const FeedExpectation& expect) {
  OpenedFeed out;
  FeedHeader& h = out.header;
  std::vector<Entry> entries;
  std::vector<verify::exchange::KeyedChange> changes;
  std::optional<std::vector<verify::exchange::SharedDetails>> details;
  try {
    const json p = json::parse(bytes);
    if (p.at("format").get<std::string>() != "tdv-feed-1") return Refused("an unknown format");
    h.partner = p.at("partner").get<std::string>();
    h.list = p.at("list").get<std::string>();
    h.sequence = internal::JsonInt64(p.at("sequence"));
    h.since = internal::JsonInt64(p.at("since"));
    h.issued = p.at("issued").get<std::string>();
    h.unchanged = p.at("unchanged").get<bool>();
    h.changes = p.contains("changes") ? internal::JsonInt64(p.at("changes")) : 0;
    h.entries = p.contains("entries") ? internal::JsonInt64(p.at("entries")) : -1;
    h.delta = p.value("delta", false);
    if (h.delta) {
      h.from = internal::JsonInt64(p.at("from"));
      if (h.unchanged || !UnpackChanges(p.at("records").get<std::string>(), changes))
        return Refused("its changes are not whole");
    } else if (!h.unchanged && (!Unpack(p.at("exact").get<std::string>(), false, entries) ||
                                !Unpack(p.at("look_alike").get<std::string>(), true, entries))) {
      return Refused("its entries are not whole");
    }
    if (p.contains("details") && !h.unchanged) {
      details.emplace();
      if (!UnpackDetails(p.at("details").get<std::string>(), *details))
        return Refused("its records' details are not whole");
    }
  } catch (const json::exception& e) {
    return Refused(std::string("the payload is not a feed: ") + e.what());
  } catch (const std::out_of_range& e) {
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
  if (h.delta) {
    if (!expect.held || expect.held_set == nullptr)
      return Refused("a delta, and no copy is held to apply it to");
    if (expect.changes == 0 || h.from != expect.changes) {
      return Refused("a delta from change " + std::to_string(h.from) + ", asked from " +
                     std::to_string(expect.changes) + ": replayed");
    }
    if (h.changes < h.from || h.entries < 0)
      return Refused("a delta that ends before it starts, or without its count");
    if (details) {
      // One a record, of that record.
      if (details->size() != changes.size())
        return Refused("a delta with details for some of its records only");
      for (std::size_t i = 0; i < changes.size(); ++i) {
        if ((*details)[i].exact != changes[i].exact.output)
          return Refused("a delta whose details are of other records");
        changes[i].details = std::move((*details)[i]);
      }
    }
    out.set = expect.held_set->Apply(changes, h.sequence);
  } else if (!h.unchanged) {
    // A record's details for each exact entry, no more.
    if (details) {
      const auto exact = static_cast<std::size_t>(std::count_if(
          entries.begin(), entries.end(), [](const Entry& e) { return !e.look_alike; }));
      if (details->size() != exact)
        return Refused("details for " + std::to_string(details->size()) + " records, " +
                       std::to_string(exact) + " exact entries");
    }
    out.set = verify::exchange::PublishedSet::FromEntries({h.list}, std::move(entries), h.sequence,
                                                          std::move(details));
    if (out.set->shares_details()) {
      for (const auto& d : out.set->details()) {
        if (out.set->Find(d.exact).empty()) return Refused("details of a record it does not list");
      }
    }
  }
  // An answer that says how many entries the copy holds after it (those
  // of A before the count was signed say nothing).
  if (out.set && h.entries >= 0 &&
      static_cast<std::int64_t>(out.set->entries().size()) != h.entries) {
    return Refused("the copy would hold " + std::to_string(out.set->entries().size()) +
                   " entries, the partner signed " + std::to_string(h.entries) +
                   (h.delta ? ": the delta does not apply to the copy held" : ""));
  }
  if (h.entries < 0) h.entries = out.set ? static_cast<std::int64_t>(out.set->entries().size()) : 0;
  return out;
}

}  // namespace tdv::http
