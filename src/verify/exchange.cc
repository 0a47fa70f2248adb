// SPDX-License-Identifier: Apache-2.0
#include "tdv/verify/exchange.h"

#include <algorithm>
#include <atomic>
#include <cstring>
#include <iterator>
#include <map>
#include <thread>
#include <tuple>
#include <utility>

#include "tdv/lists/record.h"
#include "tdv/sig/base64.h"
#include "tdv/sig/digest.h"
#include "tdv/sig/oprf.h"

namespace tdv::verify::exchange {
namespace {

std::string State(std::string_view state) {
  std::string s(state);
  s.erase(std::remove(s.begin(), s.end(), '<'), s.end());
  return s;
}

std::string Input(char kind, std::string_view state, std::string_view family,
                  std::string_view number) {
  std::string s;
  s.reserve(4 + state.size() + family.size() + number.size());
  s.push_back(kind);
  s.push_back('|');
  s.append(state).push_back('|');
  s.append(family).push_back('|');
  s.append(number);
  return s;
}

std::span<const std::uint8_t> Bytes(const std::string& s) {
  return {reinterpret_cast<const std::uint8_t*>(s.data()), s.size()};
}

bool Less(const Entry& a, const Entry& b) { return a.output < b.output; }

// What a record's exact or look-alike output is computed from (as Probes
// computes a document's).
std::string RecordInput(bool look_alike, const std::string& state, const std::string& type,
                        const std::string& number) {
  return Input(look_alike ? 'L' : 'E', state, lists::TypeFamily(type),
               look_alike ? lists::ConfusionKey(number) : number);
}

}  // namespace

std::vector<Probe> Probes(std::string_view issuing_state, std::string_view document_type,
                          std::string_view document_number) {
  const std::string number = lists::NormalizeNumber(document_number);
  if (number.empty()) return {};
  const std::string state = State(issuing_state);
  const std::string family = lists::TypeFamily(document_type);
  std::vector<Probe> probes{{false, Input('E', state, family, number)}};
  for (const std::string& key : lists::LookAlikeKeys(number))
    probes.push_back({true, Input('L', state, family, key)});
  return probes;
}

std::string Reference(const std::string& list, const Output& output) {
  return list + ":" + sig::EncodeHex(std::span<const std::uint8_t>(output.data(), 8));
}

Result<PublishedSet> PublishedSet::Build(lists::ListStore& store,
                                         const std::vector<std::string>& lists,
                                         std::span<const std::uint8_t> key, int threads,
                                         bool keep_records, const std::atomic<bool>* cancel) {
  return BuildWith(
      store, lists,
      [key, cancel](const std::string& input) -> Result<Output> {
        if (cancel != nullptr && cancel->load(std::memory_order_relaxed))
          return Error{ErrorCode::kUnavailable, "stopped"};
        auto out = sig::oprf::Evaluate(key, Bytes(input));
        if (!out) return out.error();
        Output o;
        std::memcpy(o.data(), out->data(), kPublishedBytes);
        return o;
      },
      threads, keep_records);
}

std::string FeedKey(std::span<const std::uint8_t> secret, std::string_view partner) {
  return sig::HmacSha256Hex(sig::EncodeHex(secret), "tdv feed key|" + std::string(partner));
}

namespace {
// HMAC-SHA-256 under a feed key, cut to kPublishedBytes.
Result<Output> Keyed(const sig::HmacSha256& mac, const std::string& input) {
  auto bytes = sig::DecodeHex(mac.Hex(input, 2 * kPublishedBytes));
  if (!bytes || bytes->size() != kPublishedBytes) return Error{ErrorCode::kInternal, "HMAC"};
  Output o;
  std::memcpy(o.data(), bytes->data(), kPublishedBytes);
  return o;
}
}  // namespace

Result<PublishedSet> PublishedSet::BuildKeyed(lists::ListStore& store,
                                              const std::vector<std::string>& lists,
                                              std::string_view feed_key, int threads,
                                              bool keep_records, bool with_details) {
  const sig::HmacSha256 mac(feed_key);
  return BuildWith(
      store, lists, [&mac](const std::string& input) { return Keyed(mac, input); }, threads,
      keep_records, with_details);
}

Result<PublishedSet> PublishedSet::BuildWith(
    lists::ListStore& store, const std::vector<std::string>& lists,
    const std::function<Result<Output>(const std::string&)>& output_of, int threads,
    bool keep_records, bool with_details) {
  auto known = store.Lists();
  if (!known) return known.error();
  PublishedSet set;
  set.shares_details_ = with_details;
  std::int64_t sequence = 0;
  for (const std::string& name : lists) {
    const bool present = std::any_of(known->begin(), known->end(),
                                     [&](const lists::ListInfo& l) { return l.name == name; });
    if (!present) return Error{ErrorCode::kNotFound, "no list '" + name + "' to share"};
    const auto list_index = static_cast<std::uint32_t>(set.lists_.size());
    set.lists_.push_back(name);
    auto seq = store.Scan(name, [&](const std::string&, const lists::ListRecord& r) {
      set.records_.push_back({name, r.issuing_state, r.document_type, r.document_number, false});
      set.records_.push_back({name, r.issuing_state, r.document_type, r.document_number, true});
      set.entries_.push_back({Output{}, list_index, false});
      set.entries_.push_back({Output{}, list_index, true});
      // The record's exact output is entries_[2k], filled in below.
      if (with_details)
        set.details_.push_back(
            {Output{}, r.document_type, r.status, r.date_reported, r.expiry_date});
    });
    if (!seq) return seq.error();
    sequence = std::max(sequence, *seq);
  }
  set.sequence_ = sequence;
  // The outputs, on `threads` threads: each takes every threads-th entry.
  std::atomic<bool> failed{false};
  Error first_error;
  std::atomic<bool> error_taken{false};
  auto work = [&](std::size_t from, std::size_t step) {
    for (std::size_t i = from; i < set.entries_.size() && !failed; i += step) {
      const auto& r = set.records_[i];
      auto out =
          output_of(RecordInput(r.look_alike, r.issuing_state, r.document_type, r.document_number));
      if (!out) {
        if (!error_taken.exchange(true)) first_error = out.error();
        failed = true;
        return;
      }
      set.entries_[i].output = *out;
    }
  };
  const std::size_t n = static_cast<std::size_t>(std::max(1, threads));
  std::vector<std::thread> pool;
  for (std::size_t t = 1; t < n; ++t) pool.emplace_back(work, t, n);
  work(0, n);
  for (auto& th : pool) th.join();
  if (failed) return first_error;
  if (!keep_records) std::vector<RecordKey>().swap(set.records_);
  for (std::size_t k = 0; k < set.details_.size(); ++k)
    set.details_[k].exact = set.entries_[2 * k].output;
  set.Sort();
  return set;
}

Result<PublishedSet> PublishedSet::Update(const std::vector<lists::ChangeEvent>& changes,
                                          std::span<const std::uint8_t> key) const {
  return UpdateWith(changes, [key](const std::string& input) -> Result<Output> {
    auto out = sig::oprf::Evaluate(key, Bytes(input));
    if (!out) return out.error();
    Output o;
    std::memcpy(o.data(), out->data(), kPublishedBytes);
    return o;
  });
}

Result<std::vector<KeyedChange>> PublishedSet::Evaluate(
    const std::vector<std::string>& lists, const std::vector<lists::ChangeEvent>& changes,
    const std::function<Result<Output>(const std::string&)>& output_of) {
  std::vector<KeyedChange> out;
  std::map<std::tuple<std::string, std::string, std::string, std::string>, std::uint32_t> ids;
  for (const lists::ChangeEvent& c : changes) {
    const auto it = std::find(lists.begin(), lists.end(), c.list);
    if (it == lists.end()) continue;
    if (c.kind != "upsert" && c.kind != "delete") {
      return Error{ErrorCode::kUnsupported,
                   "list '" + c.list + "' was " + (c.kind == "drop" ? "dropped" : "replaced")};
    }
    if (!c.record) return Error{ErrorCode::kUnsupported, "a change without its record"};
    const auto list = static_cast<std::uint32_t>(it - lists.begin());
    const lists::ListRecord& r = *c.record;
    auto exact = output_of(RecordInput(false, r.issuing_state, r.document_type, r.document_number));
    if (!exact) return exact.error();
    auto look = output_of(RecordInput(true, r.issuing_state, r.document_type, r.document_number));
    if (!look) return look.error();
    const auto id = ids.try_emplace({c.list, r.issuing_state, r.document_type, r.document_number},
                                    static_cast<std::uint32_t>(ids.size()))
                        .first->second;
    out.push_back(
        {{*exact, list, false}, {*look, list, true}, c.kind == "upsert", id, std::nullopt});
  }
  return out;
}

Result<PublishedSet> PublishedSet::UpdateWith(
    const std::vector<lists::ChangeEvent>& changes,
    const std::function<Result<Output>(const std::string&)>& output_of) const {
  if (!records_.empty())
    return Error{ErrorCode::kUnsupported, "a set that keeps its records is built again"};
  auto keyed = Evaluate(lists_, changes, output_of);
  if (!keyed) return keyed.error();
  std::int64_t sequence = sequence_;
  for (const lists::ChangeEvent& c : changes) sequence = std::max(sequence, c.seq);
  return Apply(*keyed, sequence);
}

Result<std::vector<KeyedChange>> PublishedSet::KeyedChanges(
    const std::vector<std::string>& lists, const std::vector<lists::ChangeEvent>& changes,
    std::string_view feed_key) {
  const sig::HmacSha256 mac(feed_key);
  return Evaluate(lists, changes, [&mac](const std::string& input) { return Keyed(mac, input); });
}

PublishedSet PublishedSet::Apply(const std::vector<KeyedChange>& changes,
                                 std::int64_t sequence) const {
  // Each record stands in the set as two entries, its exact output and its
  // look-alike output; records of one list whose exact inputs are alike (a
  // number listed as a P and as a PD: one type family) share the first, and
  // many records may share the second. Per exact output touched, the
  // records standing for it: as many as its entries before, then one more
  // for each record upserted that was not there, one fewer for each
  // deleted that was. Whether a record was there before the changes is
  // known where none stood for its output; elsewhere an upsert is taken as
  // an update and a delete as a removal (the caller checks the count of
  // entries against the lists' record counts: a guess proved wrong builds
  // the set again). The same changes applied twice change nothing more.
  struct Group {
    std::int64_t before = 0, now = 0;
    Entry exact, look_alike;
    std::map<std::uint32_t, bool> records;  // in, as changed
  };
  std::map<std::pair<std::uint32_t, Output>, Group> touched;
  for (const KeyedChange& c : changes) {
    auto [g, fresh] = touched.try_emplace({c.exact.list, c.exact.output});
    Group& group = g->second;
    if (fresh) {
      group.exact = c.exact;
      group.look_alike = c.look_alike;
      auto [lo, hi] = std::equal_range(entries_.begin(), entries_.end(), group.exact, Less);
      group.before = std::count(lo, hi, group.exact);
      group.now = group.before;
    }
    // Before its first change a record is taken as there when any record
    // stands for its output, as not there otherwise.
    const auto k = group.records.try_emplace(c.record, group.now > 0).first;
    if (k->second != c.listed) {
      group.now += c.listed ? 1 : -1;
      k->second = c.listed;
    }
  }
  std::vector<Entry> added, removed;
  for (const auto& [key, g] : touched) {
    auto& to = g.now > g.before ? added : removed;
    for (std::int64_t n = std::min(g.now, g.before); n < std::max(g.now, g.before); ++n) {
      to.push_back(g.exact);
      to.push_back(g.look_alike);
    }
  }
  PublishedSet next = Patched(added, removed, sequence);
  const bool all_detailed = std::all_of(changes.begin(), changes.end(), [](const KeyedChange& c) {
    return c.details && c.details->exact == c.exact.output;
  });
  if (!shares_details_ || !all_detailed) {
    next.shares_details_ = false;
    std::vector<SharedDetails>().swap(next.details_);
    return next;
  }
  // A record's details replaced by its change's (in order: the last change
  // of a record is what it is now), a deleted record's dropped.
  std::map<std::pair<Output, std::string>, std::optional<SharedDetails>> changed;
  for (const KeyedChange& c : changes) {
    auto& slot = changed[{c.exact.output, c.details->document_type}];
    if (c.listed)
      slot = c.details;
    else
      slot.reset();
  }
  std::vector<SharedDetails> details;
  details.reserve(details_.size() + changed.size());
  for (const SharedDetails& d : details_)
    if (!changed.contains({d.exact, d.document_type})) details.push_back(d);
  for (const auto& [key, d] : changed)
    if (d) details.push_back(*d);
  next.details_ = std::move(details);
  next.SortDetails();
  return next;
}

PublishedSet PublishedSet::Patched(std::vector<Entry> added, const std::vector<Entry>& removed,
                                   std::int64_t sequence) const {
  PublishedSet next;
  next.lists_ = lists_;
  next.sequence_ = sequence;
  next.shares_details_ = shares_details_;
  next.details_ = details_;
  std::sort(added.begin(), added.end(), Less);
  // One pass: the entries kept (a removed entry taken out once: a
  // look-alike output may stand for several records) merged with those added.
  std::map<std::tuple<Output, std::uint32_t, bool>, int> to_remove;
  for (const Entry& e : removed) ++to_remove[{e.output, e.list, e.look_alike}];
  next.entries_.reserve(entries_.size() + added.size());
  auto a = added.begin();
  for (const Entry& e : entries_) {
    if (!to_remove.empty()) {
      const auto it = to_remove.find({e.output, e.list, e.look_alike});
      if (it != to_remove.end() && it->second > 0) {
        --it->second;
        continue;
      }
    }
    while (a != added.end() && Less(*a, e)) next.entries_.push_back(*a++);
    next.entries_.push_back(e);
  }
  next.entries_.insert(next.entries_.end(), a, added.end());
  return next;
}

SetDelta Diff(const PublishedSet& from, const PublishedSet& to) {
  SetDelta d;
  d.from = from.sequence();
  d.to = to.sequence();
  const auto& a = from.entries();
  const auto& b = to.entries();
  const auto key = [](const Entry& e) { return std::make_tuple(e.output, e.list, e.look_alike); };
  const auto by_key = [&](const Entry& x, const Entry& y) { return key(x) < key(y); };
  std::size_t i = 0, j = 0;
  while (i < a.size() || j < b.size()) {
    if (j == b.size() || (i < a.size() && a[i].output < b[j].output)) {
      d.removed.push_back(a[i++]);
    } else if (i == a.size() || b[j].output < a[i].output) {
      d.added.push_back(b[j++]);
    } else {
      // A run of one output on both sides (a look-alike output many
      // records share): compared as multisets of whole entries.
      std::size_t i2 = i, j2 = j;
      while (i2 < a.size() && a[i2].output == a[i].output) ++i2;
      while (j2 < b.size() && b[j2].output == b[j].output) ++j2;
      std::vector<Entry> x(a.begin() + static_cast<std::ptrdiff_t>(i),
                           a.begin() + static_cast<std::ptrdiff_t>(i2));
      std::vector<Entry> y(b.begin() + static_cast<std::ptrdiff_t>(j),
                           b.begin() + static_cast<std::ptrdiff_t>(j2));
      std::sort(x.begin(), x.end(), by_key);
      std::sort(y.begin(), y.end(), by_key);
      std::set_difference(x.begin(), x.end(), y.begin(), y.end(), std::back_inserter(d.removed),
                          by_key);
      std::set_difference(y.begin(), y.end(), x.begin(), x.end(), std::back_inserter(d.added),
                          by_key);
      i = i2;
      j = j2;
    }
  }
  return d;
}

PublishedSet PublishedSet::FromEntries(std::vector<std::string> lists, std::vector<Entry> entries,
                                       std::int64_t sequence,
                                       std::optional<std::vector<SharedDetails>> details) {
  PublishedSet set;
  set.lists_ = std::move(lists);
  set.entries_ = std::move(entries);
  set.sequence_ = sequence;
  if (details) {
    set.shares_details_ = true;
    set.details_ = std::move(*details);
  }
  set.Sort();
  return set;
}

std::vector<SharedDetails> PublishedSet::DetailsOf(const Output& exact) const {
  const auto lo =
      std::lower_bound(details_.begin(), details_.end(), exact,
                       [](const SharedDetails& d, const Output& o) { return d.exact < o; });
  std::vector<SharedDetails> out;
  for (auto it = lo; it != details_.end() && it->exact == exact; ++it) out.push_back(*it);
  return out;
}

void PublishedSet::SortDetails() {
  const auto by_key = [](const SharedDetails& a, const SharedDetails& b) {
    return std::tie(a.exact, a.document_type) < std::tie(b.exact, b.document_type);
  };
  if (!std::is_sorted(details_.begin(), details_.end(), by_key))
    std::sort(details_.begin(), details_.end(), by_key);
}

namespace {
// A date as 4 bytes (0: none; a date that is not a real one goes as none,
// so that one odd record of A's never makes B refuse the whole feed).
void PutDate(std::string& out, const std::optional<mrz::CivilDate>& d) {
  const std::uint32_t v =
      d && d->IsValid() ? static_cast<std::uint32_t>(d->year * 10000 + d->month * 100 + d->day) : 0;
  for (int i = 0; i < 4; ++i) out.push_back(static_cast<char>((v >> (8 * i)) & 0xff));
}

// A date as PutDate writes it: nullopt inside when not given; nullopt
// outside when not a real date.
std::optional<std::optional<mrz::CivilDate>> GetDate(const std::uint8_t* p) {
  std::uint32_t v = 0;
  for (int i = 0; i < 4; ++i) v |= static_cast<std::uint32_t>(p[i]) << (8 * i);
  if (v == 0) return std::optional<mrz::CivilDate>();
  const mrz::CivilDate d{static_cast<int>(v / 10000), static_cast<int>(v / 100 % 100),
                         static_cast<int>(v % 100)};
  if (!d.IsValid()) return std::nullopt;
  return std::optional<mrz::CivilDate>(d);
}
}  // namespace

void AppendDetails(std::string& out, const SharedDetails& d) {
  out.append(reinterpret_cast<const char*>(d.exact.data()), kPublishedBytes);
  // The type's first two characters, each a letter or '<' (anything else
  // goes as '<', for the same reason).
  for (std::size_t i = 0; i < 2; ++i) {
    const char c = i < d.document_type.size() ? d.document_type[i] : '<';
    out.push_back(c >= 'A' && c <= 'Z' ? c : '<');
  }
  out.push_back(static_cast<char>(d.status));
  PutDate(out, d.date_reported);
  PutDate(out, d.expiry_date);
}

std::optional<SharedDetails> ParseDetails(std::span<const std::uint8_t, kDetailsBytes> b) {
  SharedDetails d;
  std::memcpy(d.exact.data(), b.data(), kPublishedBytes);
  const std::uint8_t* p = b.data() + kPublishedBytes;
  for (int i = 0; i < 2; ++i) {
    if (p[i] == '<') continue;
    if (p[i] < 'A' || p[i] > 'Z') return std::nullopt;
    d.document_type.push_back(static_cast<char>(p[i]));
  }
  if (p[2] > static_cast<std::uint8_t>(lists::RecordStatus::kInvalidated)) return std::nullopt;
  d.status = static_cast<lists::RecordStatus>(p[2]);
  auto reported = GetDate(p + 3);
  auto expiry = GetDate(p + 7);
  if (!reported || !expiry) return std::nullopt;
  d.date_reported = *reported;
  d.expiry_date = *expiry;
  return d;
}

void PublishedSet::Sort() {
  // A set read back as it was written (a kept feed's index) is in order.
  if (std::is_sorted(entries_.begin(), entries_.end(), Less)) {
    SortDetails();
    return;
  }
  std::vector<std::size_t> order(entries_.size());
  for (std::size_t i = 0; i < order.size(); ++i) order[i] = i;
  std::sort(order.begin(), order.end(),
            [&](std::size_t a, std::size_t b) { return Less(entries_[a], entries_[b]); });
  std::vector<Entry> entries;
  entries.reserve(order.size());
  std::vector<RecordKey> records;
  records.reserve(records_.size());
  for (std::size_t i : order) {
    entries.push_back(entries_[i]);
    if (!records_.empty()) records.push_back(std::move(records_[i]));
  }
  entries_ = std::move(entries);
  records_ = std::move(records);
  SortDetails();
}

std::vector<Entry> PublishedSet::Find(std::span<const std::uint8_t> output) const {
  if (output.size() < kPublishedBytes) return {};
  Entry probe;
  std::memcpy(probe.output.data(), output.data(), kPublishedBytes);
  auto [lo, hi] = std::equal_range(entries_.begin(), entries_.end(), probe, Less);
  return {lo, hi};
}

std::vector<PublishedSet::RecordKey> PublishedSet::Confirm(std::string_view reference) const {
  std::vector<RecordKey> found;
  if (records_.empty()) return found;
  for (std::size_t i = 0; i < entries_.size(); ++i) {
    if (Reference(lists_[entries_[i].list], entries_[i].output) == reference)
      found.push_back(records_[i]);
  }
  return found;
}

namespace {
// The hits of a document's probes whose outputs are `outputs_of`: exact
// first, each reference once.
std::vector<PartnerHit> Hits(const PublishedSet& set, const std::vector<Probe>& probes,
                             const std::vector<Output>& outputs) {
  std::vector<PartnerHit> exact, possible;
  for (std::size_t i = 0; i < probes.size() && i < outputs.size(); ++i) {
    for (const Entry& e : set.Find(outputs[i])) {
      // An exact input meets only exact outputs, a look-alike input only
      // look-alike ones (their first letters differ); anything else would
      // be a collision of 128 bits.
      if (e.look_alike != probes[i].look_alike || e.list >= set.lists().size()) continue;
      auto& into = e.look_alike ? possible : exact;
      PartnerHit hit{set.lists()[e.list], Reference(set.lists()[e.list], e.output), e.look_alike,
                     e.look_alike ? std::vector<SharedDetails>() : set.DetailsOf(e.output)};
      const bool seen = std::any_of(into.begin(), into.end(), [&](const PartnerHit& h) {
        return h.reference == hit.reference;
      });
      if (!seen) into.push_back(std::move(hit));
    }
  }
  exact.insert(exact.end(), possible.begin(), possible.end());
  return exact;
}
}  // namespace

std::vector<PartnerHit> CheckDocumentKeyed(const PublishedSet& feed, std::string_view feed_key,
                                           std::string_view issuing_state,
                                           std::string_view document_type,
                                           std::string_view document_number) {
  const std::vector<Probe> probes = Probes(issuing_state, document_type, document_number);
  const sig::HmacSha256 mac(feed_key);
  std::vector<Output> outputs;
  for (const Probe& p : probes) {
    auto o = Keyed(mac, p.input);
    if (!o) return {};
    outputs.push_back(*o);
  }
  return Hits(feed, probes, outputs);
}

Result<std::vector<PartnerHit>> CheckDocument(const PublishedSet& outputs_set,
                                              const Evaluator& evaluate,
                                              std::string_view issuing_state,
                                              std::string_view document_type,
                                              std::string_view document_number) {
  const std::vector<Probe> probes = Probes(issuing_state, document_type, document_number);
  if (probes.empty()) return std::vector<PartnerHit>{};
  std::vector<sig::oprf::Blinded> blinded;
  std::vector<std::vector<std::uint8_t>> elements;
  for (const Probe& p : probes) {
    auto b = sig::oprf::Blind(Bytes(p.input));
    if (!b) return b.error();
    elements.push_back(b->element);
    blinded.push_back(std::move(*b));
  }
  auto evaluated = evaluate(elements);
  if (!evaluated) return evaluated.error();
  if (evaluated->size() != probes.size()) {
    return Error{ErrorCode::kCorrupt, "the partner answered " + std::to_string(evaluated->size()) +
                                          " elements for " + std::to_string(probes.size())};
  }
  std::vector<Output> outputs;
  for (std::size_t i = 0; i < probes.size(); ++i) {
    auto out = sig::oprf::Finalize(Bytes(probes[i].input), blinded[i].blind, (*evaluated)[i]);
    if (!out || out->size() < kPublishedBytes) {
      return Error{ErrorCode::kCorrupt,
                   "the partner's element " + std::to_string(i) +
                       " is not valid: " + (out ? "too short" : out.error().message)};
    }
    Output o;
    std::memcpy(o.data(), out->data(), kPublishedBytes);
    outputs.push_back(o);
  }
  return Hits(outputs_set, probes, outputs);
}

}  // namespace tdv::verify::exchange
