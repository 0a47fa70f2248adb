// SPDX-License-Identifier: Apache-2.0
// Fuzz target: a partner's feed payload as agency B reads it once its
// signature holds (tdv/http/feed.h, OpenFeedPayload): whole feeds, deltas
// applied to the copy B holds (which shares its records' details), with
// and without details, "unchanged". A partner signs what it likes,
// so any bytes must give a feed or a refusal, never a crash; a feed taken
// must be the one asked for, and a delta's result must hold the entries the
// payload signs.
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <string>

#include "feed_fuzz_checks.h"
#include "tdv/http/feed.h"

namespace {

const tdv::verify::exchange::PublishedSet& Held() {
  static const tdv::verify::exchange::PublishedSet held = [] {
    std::vector<tdv::verify::exchange::Entry> entries;
    for (std::uint8_t i = 0; i < 8; ++i) {
      tdv::verify::exchange::Entry e;
      e.output.fill(i);
      e.look_alike = (i % 2) == 1;
      entries.push_back(e);
    }
    // Sharing its records' details (feed_details), so that deltas with
    // details apply to them: one an exact entry.
    std::vector<tdv::verify::exchange::SharedDetails> details;
    for (const auto& e : entries)
      if (!e.look_alike)
        details.push_back({e.output, "P", tdv::lists::RecordStatus::kStolen, {}, {}});
    return tdv::verify::exchange::PublishedSet::FromEntries({"sltd"}, std::move(entries), 3,
                                                            std::move(details));
  }();
  return held;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::string payload(reinterpret_cast<const char*>(data), size);
  tdv::http::FeedHeader held{"b0b0b0b0b0b0b0b0", "sltd", 3, 0, "2026-12-07T10:00:00.000Z", false};
  held.changes = 10;
  held.entries = 8;
  const tdv::http::FeedExpectation expect{"b0b0b0b0b0b0b0b0", "sltd", 3, held, 10, &Held()};
  const auto result = tdv::http::OpenFeedPayload(payload, expect);
  const auto* feed = tdv::fuzz::RequireAsAsked(result, expect);
  if (feed == nullptr) return 0;
  const auto& h = feed->header;
  if (feed->set && static_cast<std::int64_t>(feed->set->entries().size()) != h.entries)
    std::abort();
  if (h.delta && h.from != expect.changes) std::abort();
  return 0;
}
