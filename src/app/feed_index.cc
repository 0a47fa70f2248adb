// SPDX-License-Identifier: Apache-2.0
#include "feed_index.h"

#include <cstring>
#include <nlohmann/json.hpp>
#include <string_view>
#include <vector>

#include "tdv/sig/digest.h"
#include "whole_file.h"

namespace tdv::app {
namespace {

using verify::exchange::Entry;
using verify::exchange::kPublishedBytes;

constexpr std::string_view kMagic = "TDVFIDX1";
constexpr std::size_t kEntryBytes = kPublishedBytes + 1, kMacHex = 64;

// The index's MAC key: derived from the feed key, never the feed key itself
// (which keys the feed's entries).
std::string IndexKey(const std::string& feed_key) {
  return sig::HmacSha256Hex(feed_key, "tdv kept feed index 1");
}

void PutLe(std::string& out, std::uint64_t v, int bytes) {
  for (int i = 0; i < bytes; ++i) out.push_back(static_cast<char>((v >> (8 * i)) & 0xff));
}

std::uint64_t GetLe(std::string_view in, std::size_t at, int bytes) {
  std::uint64_t v = 0;
  for (int i = 0; i < bytes; ++i)
    v |= std::uint64_t(static_cast<unsigned char>(in[at + static_cast<std::size_t>(i)])) << (8 * i);
  return v;
}

Error Refused(const std::filesystem::path& path, const std::string& why) {
  return Error{ErrorCode::kCorrupt, path.string() + ": " + why};
}

}  // namespace

std::string KeptDigest(const std::string& whole, const std::vector<std::string>& deltas) {
  std::string digest = sig::Sha256Hex(whole);
  for (const std::string& d : deltas) digest = sig::Sha256Hex(digest + sig::Sha256Hex(d));
  return digest;
}

Status WriteFeedIndex(const std::filesystem::path& path, const std::string& feed_key,
                      const FeedIndexHeader& header, const verify::exchange::PublishedSet& set) {
  const std::string head = nlohmann::json{
      {"list", header.list},
      {"sequence", header.sequence},
      {"since", header.since},
      {"copy_sha256", header.copy_sha256},
      {"signer_sha256", header.signer_sha256},
      {"changes", header.changes},
      {"details", set.shares_details()
                      ? static_cast<std::int64_t>(set.details().size())
                      : -1}}.dump();
  std::string out;
  out.reserve(kMagic.size() + 4 + head.size() + 8 + set.entries().size() * kEntryBytes +
              set.details().size() * verify::exchange::kDetailsBytes + kMacHex);
  out.append(kMagic);
  PutLe(out, head.size(), 4);
  out.append(head);
  PutLe(out, set.entries().size(), 8);
  for (const Entry& e : set.entries()) {
    out.append(reinterpret_cast<const char*>(e.output.data()), kPublishedBytes);
    out.push_back(e.look_alike ? '\1' : '\0');
  }
  for (const auto& d : set.details()) verify::exchange::AppendDetails(out, d);
  out.append(sig::HmacSha256(IndexKey(feed_key)).Hex(out));
  return WriteWhole(path, out);
}

Result<verify::exchange::PublishedSet> ReadFeedIndex(const std::filesystem::path& path,
                                                     const std::string& feed_key,
                                                     const FeedIndexHeader& expect) {
  std::error_code ec;
  if (!std::filesystem::exists(path, ec)) return Error{ErrorCode::kNotFound, "no index"};
  const std::string bytes = ReadWhole(path);
  if (bytes.size() < kMagic.size() + 4 + 8 + kMacHex ||
      bytes.compare(0, kMagic.size(), kMagic) != 0)
    return Refused(path, "not a kept feed's index");
  const std::string_view body(bytes.data(), bytes.size() - kMacHex);
  const std::string_view mac(bytes.data() + body.size(), kMacHex);
  if (!sig::ConstantTimeEqual(sig::HmacSha256(IndexKey(feed_key)).Hex(body), mac))
    return Refused(path, "its MAC does not hold");
  // Written by the holder of the feed key: its lengths are its own.
  std::size_t at = kMagic.size();
  const std::size_t head_size = GetLe(body, at, 4);
  at += 4;
  if (head_size > body.size() - at - 8) return Refused(path, "cut short");
  const nlohmann::json head = nlohmann::json::parse(body.substr(at, head_size), nullptr, false);
  at += head_size;
  const std::uint64_t count = GetLe(body, at, 8);
  at += 8;
  if (!head.is_object()) return Refused(path, "its header is not an index's");
  FeedIndexHeader got;
  std::int64_t details = -1;
  try {
    details = head.value("details", std::int64_t{-1});
    got.list = head.at("list").get<std::string>();
    got.sequence = head.at("sequence").get<std::int64_t>();
    got.since = head.at("since").get<std::int64_t>();
    got.copy_sha256 = head.at("copy_sha256").get<std::string>();
    got.signer_sha256 = head.at("signer_sha256").get<std::string>();
    got.changes = head.value("changes", std::int64_t{0});
  } catch (const nlohmann::json::exception&) {
    return Refused(path, "its header is not an index's");
  }
  const std::uint64_t detail_count = details < 0 ? 0 : static_cast<std::uint64_t>(details);
  const std::size_t rest = body.size() - at;
  if (count > rest / kEntryBytes || detail_count > rest / verify::exchange::kDetailsBytes ||
      rest - count * kEntryBytes != detail_count * verify::exchange::kDetailsBytes)
    return Refused(path, "cut short");
  if (got.list != expect.list || got.sequence != expect.sequence || got.since != expect.since ||
      got.changes != expect.changes)
    return Refused(path, "made for another copy (list, sequence, since or changes)");
  if (got.copy_sha256 != expect.copy_sha256)
    return Refused(path, "made from other bytes than the copy kept");
  if (got.signer_sha256 != expect.signer_sha256)
    return Refused(path, "verified against another signer than the one trusted now");
  std::vector<Entry> entries(count);
  for (std::size_t i = 0; i < count; ++i, at += kEntryBytes) {
    std::memcpy(entries[i].output.data(), body.data() + at, kPublishedBytes);
    entries[i].look_alike = body[at + kPublishedBytes] != '\0';
  }
  std::optional<std::vector<verify::exchange::SharedDetails>> shared;
  if (details >= 0) {
    shared.emplace();
    for (std::uint64_t i = 0; i < detail_count; ++i, at += verify::exchange::kDetailsBytes) {
      auto d = verify::exchange::ParseDetails(
          std::span<const std::uint8_t, verify::exchange::kDetailsBytes>(
              reinterpret_cast<const std::uint8_t*>(body.data() + at),
              verify::exchange::kDetailsBytes));
      if (!d) return Refused(path, "its records' details are not whole");
      shared->push_back(std::move(*d));
    }
  }
  return verify::exchange::PublishedSet::FromEntries({got.list}, std::move(entries), got.sequence,
                                                     std::move(shared));
}

}  // namespace tdv::app
