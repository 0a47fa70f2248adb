// SPDX-License-Identifier: Apache-2.0
// ListIndex: per list, an immutable sorted segment plus a small overlay of
// the record changes applied since the segment was built.
//
// Segment layout, per record (measured by MemoryBytes()):
//   exact_[i]  8 bytes  hash of (state, type family, number), sorted
//   recs_[i]   8 bytes  arena offset, state code, type code, status
//   arena      1 + n    the number's length and characters (n ~ 9)
//   conf_*     8 bytes  32-bit hash of (state, family, look-alike class
//                       key) and the record's position, sorted by hash
// Hashes only narrow the search; every candidate is compared in full.
#include "tdv/lists/list_index.h"

#include <algorithm>
#include <array>
#include <atomic>
#include <map>
#include <mutex>
#include <thread>
#include <unordered_map>

namespace tdv::lists {
namespace {

constexpr std::uint8_t kDeleted = 0x80;

std::uint16_t StateCode(std::string_view state) {
  while (!state.empty() && state.back() == '<') state.remove_suffix(1);
  if (state.empty() || state.size() > 3) return 0;
  std::uint16_t code = 0;
  for (std::size_t k = 0; k < 3; ++k) {
    int d = 0;
    if (k < state.size()) {
      const char c = state[k];
      if (c < 'A' || c > 'Z') return 0;
      d = c - 'A' + 1;
    }
    code = static_cast<std::uint16_t>(code * 27 + d);
  }
  return code;
}

std::string StateText(std::uint16_t code) {
  std::string s;
  for (int div : {729, 27, 1}) {
    const int d = (code / div) % 27;
    if (d != 0) s.push_back(static_cast<char>('A' + d - 1));
  }
  return s;
}

std::uint64_t Hash(std::uint16_t state, char family, std::string_view number) {
  std::uint64_t h = 14695981039346656037ull;
  auto mix = [&h](unsigned char b) {
    h ^= b;
    h *= 1099511628211ull;
  };
  mix(static_cast<unsigned char>(state & 0xff));
  mix(static_cast<unsigned char>(state >> 8));
  mix(static_cast<unsigned char>(family));
  for (char c : number) mix(static_cast<unsigned char>(c));
  // Final avalanche (splitmix64), so that the low bits are usable too.
  h ^= h >> 30;
  h *= 0xbf58476d1ce4e5b9ull;
  h ^= h >> 27;
  h *= 0x94d049bb133111ebull;
  h ^= h >> 31;
  return h;
}

// The look-alike key a number is indexed and looked up under: its
// LookAlikeClassKey, so that one probe finds every record that may look
// like it, whatever the classes (candidates then confirmed by LooksAlike).
std::uint32_t ConfHash(std::uint16_t state, char family, std::string_view number) {
  return static_cast<std::uint32_t>(Hash(state, family, LookAlikeClassKey(number)) >> 32);
}

struct Packed {
  std::uint32_t offset;  // into the arena
  std::uint16_t state;
  std::uint8_t type;    // index into the index-wide type table
  std::uint8_t status;  // RecordStatus | kDeleted
};
static_assert(sizeof(Packed) == 8);

// Document types seen, e.g. "P", "PD", "ID": one byte per record. Slots are
// written once, under `mutex_`, and published by `count_`, so that lookups
// read them without a lock.
class TypeTable {
 public:
  std::uint8_t Code(const std::string& type) {
    std::lock_guard<std::mutex> lock(mutex_);
    const std::size_t n = count_.load(std::memory_order_relaxed);
    for (std::size_t i = 0; i < n; ++i) {
      if (types_[i] == type) return static_cast<std::uint8_t>(i);
    }
    if (n >= 255) return 255;  // "other": compared by family only
    types_[n] = type;
    count_.store(n + 1, std::memory_order_release);
    return static_cast<std::uint8_t>(n);
  }
  const std::string& Type(std::uint8_t code) const {
    static const std::string kOther = "?";
    return code < count_.load(std::memory_order_acquire) ? types_[code] : kOther;
  }

 private:
  std::mutex mutex_;
  std::array<std::string, 256> types_;
  std::atomic<std::size_t> count_{0};
};

struct OverlayRecord {
  ListRecord record;
  std::uint16_t state = 0;
  bool deleted = false;
};

struct Segment {
  Segment() = default;
  Segment(const Segment&) = delete;  // overlay_exact and overlay_conf point into overlay
  Segment& operator=(const Segment&) = delete;

  std::vector<std::uint64_t> exact;
  std::vector<Packed> recs;
  std::string arena;
  std::vector<std::uint32_t> conf_hash;
  std::vector<std::uint32_t> conf_pos;
  // Directories: for the top `dir_bits` bits of a hash, where its entries
  // start in the sorted array. A lookup then searches ~8 entries instead of
  // binary-searching the whole array (which costs a cache miss per level).
  int dir_bits = 0;
  std::vector<std::uint32_t> exact_dir;
  std::vector<std::uint32_t> conf_dir;
  // Record changes since the build, keyed by "STATE/TYPE/NUMBER".
  std::unordered_map<std::string, OverlayRecord> overlay;
  // The overlay's records by the hash of their number and of its look-alike
  // class key, as the segment's: a lookup reads only those it could match
  // (reading the whole overlay, a delta of 100,000 changes cost every lookup
  // a millisecond until the overlay was folded). Its records stay put: an
  // unordered_map's elements keep their address, and none is erased.
  std::unordered_multimap<std::uint64_t, const OverlayRecord*> overlay_exact;
  std::unordered_multimap<std::uint32_t, const OverlayRecord*> overlay_conf;
  std::int64_t live = 0;

  std::string_view Number(const Packed& p) const {
    const auto len = static_cast<unsigned char>(arena[p.offset]);
    return std::string_view(arena).substr(p.offset + 1, len);
  }
  template <class T>
  static std::vector<std::uint32_t> Directory(const std::vector<T>& sorted, int bits) {
    std::vector<std::uint32_t> dir((std::size_t{1} << bits) + 1);
    std::size_t i = 0;
    for (std::size_t b = 0; b + 1 < dir.size(); ++b) {
      while (i < sorted.size() && (std::uint64_t{sorted[i]} >> (sizeof(T) * 8 - bits)) < b) ++i;
      dir[b] = static_cast<std::uint32_t>(i);
    }
    dir.back() = static_cast<std::uint32_t>(sorted.size());
    return dir;
  }
  void BuildDirectories() {
    dir_bits = 1;
    while (dir_bits < 24 && (std::size_t{1} << (dir_bits + 3)) < exact.size()) ++dir_bits;
    exact_dir = Directory(exact, dir_bits);
    conf_dir = Directory(conf_hash, dir_bits);
  }
  std::pair<std::size_t, std::size_t> ExactRange(std::uint64_t h) const {
    if (exact.empty()) return {0, 0};
    const std::size_t b = h >> (64 - dir_bits);
    const auto first = exact.begin() + exact_dir[b], last = exact.begin() + exact_dir[b + 1];
    auto [lo, hi] = std::equal_range(first, last, h);
    return {static_cast<std::size_t>(lo - exact.begin()),
            static_cast<std::size_t>(hi - exact.begin())};
  }
  std::pair<std::size_t, std::size_t> ConfRange(std::uint32_t h) const {
    if (conf_hash.empty()) return {0, 0};
    const std::size_t b = h >> (32 - dir_bits);
    const auto first = conf_hash.begin() + conf_dir[b], last = conf_hash.begin() + conf_dir[b + 1];
    auto [lo, hi] = std::equal_range(first, last, h);
    return {static_cast<std::size_t>(lo - conf_hash.begin()),
            static_cast<std::size_t>(hi - conf_hash.begin())};
  }
  std::size_t Bytes() const {
    std::size_t b = exact.capacity() * 8 + recs.capacity() * sizeof(Packed) + arena.capacity() +
                    conf_hash.capacity() * 4 + conf_pos.capacity() * 4 + exact_dir.capacity() * 4 +
                    conf_dir.capacity() * 4;
    for (const auto& [k, v] : overlay)  // and its two entries by hash, about 40 bytes each
      b += k.capacity() + sizeof(v) + v.record.document_number.capacity() + 64 + 2 * 40;
    return b;
  }
};

// Record changes a refresh applies under one hold of the index's lock.
constexpr std::size_t kChangesPerHold = 256;

// Sorts `v` on up to the machine's cores (at most 4): the parts sorted
// each on its own thread, then merged in place (the index build's two
// sorts, of 128 million entries at INTERPOL's scale).
template <typename T>
void ParallelSort(std::vector<T>& v) {
  const std::size_t cores = std::clamp<std::size_t>(std::thread::hardware_concurrency(), 1, 4);
  const std::size_t parts = v.size() < (std::size_t{1} << 16) ? 1 : cores;
  std::vector<std::size_t> bounds;
  for (std::size_t i = 0; i <= parts; ++i) bounds.push_back(v.size() * i / parts);
  std::vector<std::thread> sorters;
  for (std::size_t i = 1; i < parts; ++i) {
    sorters.emplace_back([&v, a = bounds[i], b = bounds[i + 1]] {
      std::sort(v.begin() + static_cast<std::ptrdiff_t>(a),
                v.begin() + static_cast<std::ptrdiff_t>(b));
    });
  }
  std::sort(v.begin(), v.begin() + static_cast<std::ptrdiff_t>(bounds[1]));
  for (std::thread& t : sorters) t.join();
  for (std::size_t i = 1; i < parts; ++i) {
    std::inplace_merge(v.begin(), v.begin() + static_cast<std::ptrdiff_t>(bounds[i]),
                       v.begin() + static_cast<std::ptrdiff_t>(bounds[i + 1]));
  }
}

class SegmentBuilder {
 public:
  explicit SegmentBuilder(TypeTable& types) : types_(types) {}
  void Add(const ListRecord& r) {
    const std::uint16_t state = StateCode(r.issuing_state);
    const std::string family = TypeFamily(r.document_type);
    if (state == 0 || family.empty() || r.document_number.empty() || r.document_number.size() > 255)
      return;
    hashes_.push_back(Hash(state, family[0], r.document_number));
    recs_.push_back(Packed{static_cast<std::uint32_t>(arena_.size()), state,
                           types_.Code(r.document_type), static_cast<std::uint8_t>(r.status)});
    arena_.push_back(static_cast<char>(r.document_number.size()));
    arena_.append(r.document_number);
  }
  std::shared_ptr<Segment> Build() {
    auto seg = std::make_shared<Segment>();
    const std::size_t n = hashes_.size();
    // Each record's hash beside its place, sorted as one: an indirect sort
    // (places compared by their hashes) reads memory at random.
    std::vector<std::pair<std::uint64_t, std::uint32_t>> order(n);
    for (std::size_t i = 0; i < n; ++i) order[i] = {hashes_[i], static_cast<std::uint32_t>(i)};
    std::vector<std::uint64_t>().swap(hashes_);
    ParallelSort(order);
    seg->exact.resize(n);
    seg->recs.resize(n);
    for (std::size_t i = 0; i < n; ++i) {
      seg->exact[i] = order[i].first;
      seg->recs[i] = recs_[order[i].second];
    }
    std::vector<std::pair<std::uint64_t, std::uint32_t>>().swap(order);
    std::vector<Packed>().swap(recs_);
    seg->arena = std::move(arena_);
    seg->arena.shrink_to_fit();
    // Confusion index: (hash, position) pairs sorted by hash.
    std::vector<std::uint64_t> pairs(n);
    for (std::size_t i = 0; i < n; ++i) {
      const Packed& p = seg->recs[i];
      const char family = types_.Type(p.type)[0];
      pairs[i] = (std::uint64_t{ConfHash(p.state, family, seg->Number(p))} << 32) | i;
    }
    ParallelSort(pairs);
    seg->conf_hash.resize(n);
    seg->conf_pos.resize(n);
    for (std::size_t i = 0; i < n; ++i) {
      seg->conf_hash[i] = static_cast<std::uint32_t>(pairs[i] >> 32);
      seg->conf_pos[i] = static_cast<std::uint32_t>(pairs[i]);
    }
    seg->live = static_cast<std::int64_t>(n);
    seg->BuildDirectories();
    return seg;
  }

 private:
  TypeTable& types_;
  std::vector<std::uint64_t> hashes_;
  std::vector<Packed> recs_;
  std::string arena_;
};

std::string OverlayKey(const std::string& state, const std::string& type,
                       const std::string& number) {
  return state + "/" + type + "/" + number;
}

std::vector<int> Differences(std::string_view a, std::string_view b) {
  std::vector<int> out;
  for (std::size_t i = 0; i < a.size() && i < b.size(); ++i) {
    if (a[i] != b[i]) out.push_back(static_cast<int>(i + 1));
  }
  return out;
}

}  // namespace

struct ListIndex::Impl {
  mutable std::shared_mutex mutex;
  TypeTable types;  // grows only; safe to read without `mutex`
  std::map<std::string, std::shared_ptr<Segment>> segments;
  std::map<std::string, ListInfo> infos;
  std::int64_t seq = 0;

  // Builds segments for `list` (all when empty) from one store snapshot.
  Result<std::int64_t> BuildFrom(ListStore& store, const std::string& list,
                                 std::map<std::string, std::shared_ptr<Segment>>& out) {
    std::map<std::string, SegmentBuilder> builders;
    Result<std::int64_t> seq_reached =
        store.ScanKeys(list, [&](const std::string& name, const ListRecord& r) {
          auto it = builders.find(name);
          if (it == builders.end()) it = builders.emplace(name, SegmentBuilder(types)).first;
          it->second.Add(r);
        });
    if (!seq_reached) return seq_reached.error();
    for (auto& [name, b] : builders) out[name] = b.Build();
    return seq_reached;
  }

  Status LoadInfos(ListStore& store) {
    auto lists = store.Lists();
    if (!lists) return lists.error();
    std::map<std::string, ListInfo> fresh;
    for (auto& l : *lists) fresh[l.name] = l;
    std::unique_lock<std::shared_mutex> lock(mutex);
    infos = std::move(fresh);
    for (const auto& [name, info] : infos) {
      if (!segments.count(name)) segments[name] = std::make_shared<Segment>();
    }
    return {};
  }

  void ApplyRecordChange(const ChangeEvent& e) {
    auto it = segments.find(e.list);
    if (it == segments.end()) it = segments.emplace(e.list, std::make_shared<Segment>()).first;
    Segment& seg = *it->second;
    const ListRecord& r = *e.record;
    const std::uint16_t state = StateCode(r.issuing_state);
    const std::string family = TypeFamily(r.document_type);
    if (state == 0 || family.empty()) return;
    // The base copy, if any, is superseded either way.
    const std::uint64_t h = Hash(state, family[0], r.document_number);
    const auto [lo, hi] = seg.ExactRange(h);
    for (std::size_t p = lo; p != hi; ++p) {
      Packed& rec = seg.recs[p];
      if (!(rec.status & kDeleted) && rec.state == state &&
          types.Type(rec.type) == r.document_type && seg.Number(rec) == r.document_number) {
        rec.status |= kDeleted;
        --seg.live;
      }
    }
    const auto [at, fresh] =
        seg.overlay.try_emplace(OverlayKey(r.issuing_state, r.document_type, r.document_number));
    OverlayRecord& o = at->second;
    if (fresh) {
      seg.overlay_exact.emplace(h, &o);
      seg.overlay_conf.emplace(ConfHash(state, family[0], r.document_number), &o);
    }
    if (!o.deleted && !o.record.document_number.empty()) --seg.live;
    o.record = r;
    o.state = state;
    o.deleted = e.kind == "delete";
    if (!o.deleted) ++seg.live;
  }
};

ListIndex::ListIndex() : impl_(std::make_unique<Impl>()) {}
ListIndex::~ListIndex() = default;

Status ListIndex::Load(ListStore& store) {
  std::map<std::string, std::shared_ptr<Segment>> fresh;
  Result<std::int64_t> seq = impl_->BuildFrom(store, "", fresh);
  if (!seq) return seq.error();
  {
    std::unique_lock<std::shared_mutex> lock(impl_->mutex);
    impl_->segments = std::move(fresh);
    impl_->seq = *seq;
  }
  return impl_->LoadInfos(store);
}

Status ListIndex::Refresh(ListStore& store) {
  bool changed = false;
  for (;;) {
    std::int64_t from;
    {
      std::shared_lock<std::shared_mutex> lock(impl_->mutex);
      from = impl_->seq;
    }
    auto events = store.ChangesSince(from, 10000);
    if (!events) return events.error();
    if (events->empty()) break;
    changed = true;
    const auto record_change = [](const ChangeEvent& c) {
      return (c.kind == "upsert" || c.kind == "delete") && c.record;
    };
    for (std::size_t i = 0; i < events->size();) {
      const ChangeEvent& e = (*events)[i];
      if (record_change(e)) {
        // A run of record changes in batches, each under one hold of the
        // lock: one hold per change (two, with the sequence) made lookups
        // queue behind 200,000 holds for a delta of 100,000 changes, and
        // the service's verify rate fell ninefold while it followed one
        // (tools/bench/serve_lists_bench.sh). A batch holds the lock for
        // a fraction of a millisecond.
        std::unique_lock<std::shared_mutex> lock(impl_->mutex);
        const std::size_t end = std::min(events->size(), i + kChangesPerHold);
        for (; i < end && record_change((*events)[i]); ++i) {
          impl_->ApplyRecordChange((*events)[i]);
          impl_->seq = (*events)[i].seq;
        }
        continue;
      }
      if (e.kind == "replace") {
        std::map<std::string, std::shared_ptr<Segment>> fresh;
        Result<std::int64_t> seq = impl_->BuildFrom(store, e.list, fresh);
        if (!seq) return seq.error();
        std::unique_lock<std::shared_mutex> lock(impl_->mutex);
        impl_->segments[e.list] = fresh.count(e.list) ? fresh[e.list] : std::make_shared<Segment>();
      } else if (e.kind == "drop") {
        std::unique_lock<std::shared_mutex> lock(impl_->mutex);
        impl_->segments.erase(e.list);
      }
      std::unique_lock<std::shared_mutex> lock(impl_->mutex);
      impl_->seq = e.seq;
      ++i;
    }
  }
  // A large overlay slows lookups down: fold it into a fresh segment.
  std::vector<std::string> to_rebuild;
  {
    std::shared_lock<std::shared_mutex> lock(impl_->mutex);
    for (const auto& [name, seg] : impl_->segments) {
      if (seg->overlay.size() > 4096 && seg->overlay.size() * 16 > seg->recs.size())
        to_rebuild.push_back(name);
    }
  }
  for (const std::string& name : to_rebuild) {
    std::map<std::string, std::shared_ptr<Segment>> fresh;
    Result<std::int64_t> seq = impl_->BuildFrom(store, name, fresh);
    if (!seq) return seq.error();
    std::unique_lock<std::shared_mutex> lock(impl_->mutex);
    // Only if nothing newer arrived meanwhile (else the next Refresh does it).
    if (*seq == impl_->seq)
      impl_->segments[name] = fresh.count(name) ? fresh[name] : std::make_shared<Segment>();
  }
  return changed ? impl_->LoadInfos(store) : Status{};
}

std::vector<ListHit> ListIndex::Lookup(const LookupQuery& query) const {
  std::vector<ListHit> exact, possible;
  const std::uint16_t state = StateCode(query.issuing_state);
  const std::string family = TypeFamily(query.document_type);
  const std::string number = NormalizeNumber(query.document_number);
  if (state == 0 || family.empty() || number.empty()) return {};
  const std::uint32_t conf = ConfHash(state, family[0], number);
  const std::uint64_t h = Hash(state, family[0], number);
  const std::string state_text = StateText(state);

  std::shared_lock<std::shared_mutex> lock(impl_->mutex);
  auto hit = [&](const std::string& list, ListHit::Kind kind, const std::string& type,
                 std::string_view listed, std::uint8_t status) {
    ListHit x;
    x.kind = kind;
    x.list = list;
    x.record.issuing_state = state_text;
    x.record.document_type = type;
    x.record.document_number = std::string(listed);
    x.record.status = static_cast<RecordStatus>(status & ~kDeleted);
    if (kind == ListHit::Kind::kPossible) x.differing_positions = Differences(number, listed);
    (kind == ListHit::Kind::kExact ? exact : possible).push_back(std::move(x));
  };
  for (const auto& [name, seg_ptr] : impl_->segments) {
    const Segment& seg = *seg_ptr;
    const auto [lo, hi] = seg.ExactRange(h);
    for (std::size_t p = lo; p != hi; ++p) {
      const Packed& rec = seg.recs[p];
      const std::string& type = impl_->types.Type(rec.type);
      if (!(rec.status & kDeleted) && rec.state == state && type[0] == family[0] &&
          seg.Number(rec) == number) {
        hit(name, ListHit::Kind::kExact, type, number, rec.status);
      }
    }
    // One probe: every record of the number's look-alike class key (and
    // any whose key's hash collides), kept when it looks like the number.
    const auto [clo, chi] = seg.ConfRange(conf);
    for (std::size_t p = clo; p != chi; ++p) {
      const Packed& rec = seg.recs[seg.conf_pos[p]];
      const std::string& type = impl_->types.Type(rec.type);
      const std::string_view listed = seg.Number(rec);
      if (!(rec.status & kDeleted) && rec.state == state && type[0] == family[0] &&
          listed != number && LooksAlike(listed, number)) {
        hit(name, ListHit::Kind::kPossible, type, listed, rec.status);
      }
    }
    // The overlay's records under the same two hashes.
    const auto live = [&](const OverlayRecord& o) {
      return !o.deleted && o.state == state && TypeFamily(o.record.document_type) == family;
    };
    for (auto [a, b] = seg.overlay_exact.equal_range(h); a != b; ++a) {
      const OverlayRecord& o = *a->second;
      if (live(o) && o.record.document_number == number)
        hit(name, ListHit::Kind::kExact, o.record.document_type, o.record.document_number,
            static_cast<std::uint8_t>(o.record.status));
    }
    for (auto [a, b] = seg.overlay_conf.equal_range(conf); a != b; ++a) {
      const OverlayRecord& o = *a->second;
      const std::string& listed = o.record.document_number;
      if (live(o) && listed != number && LooksAlike(listed, number))
        hit(name, ListHit::Kind::kPossible, o.record.document_type, listed,
            static_cast<std::uint8_t>(o.record.status));
    }
  }
  exact.insert(exact.end(), std::make_move_iterator(possible.begin()),
               std::make_move_iterator(possible.end()));
  return exact;
}

std::vector<ListSummary> ListIndex::Lists() const {
  std::shared_lock<std::shared_mutex> lock(impl_->mutex);
  std::vector<ListSummary> out;
  for (const auto& [name, info] : impl_->infos) {
    auto it = impl_->segments.find(name);
    out.push_back(ListSummary{info, it == impl_->segments.end() ? 0 : it->second->live});
  }
  return out;
}

std::int64_t ListIndex::sequence() const {
  std::shared_lock<std::shared_mutex> lock(impl_->mutex);
  return impl_->seq;
}

std::int64_t ListIndex::record_count() const {
  std::shared_lock<std::shared_mutex> lock(impl_->mutex);
  std::int64_t n = 0;
  for (const auto& [name, seg] : impl_->segments) n += seg->live;
  return n;
}

std::size_t ListIndex::MemoryBytes() const {
  std::shared_lock<std::shared_mutex> lock(impl_->mutex);
  std::size_t b = 0;
  for (const auto& [name, seg] : impl_->segments) b += seg->Bytes();
  return b;
}

}  // namespace tdv::lists
