// SPDX-License-Identifier: Apache-2.0
// ListIndex: the in-memory lookup index over every list of a store. Lookups
// never touch the database: a border check answers from memory, and the index
// is kept current by applying the store's change feed (Refresh()).
//
// Per record the index keeps the key fields only (state, type family,
// normalised number, status) in compact sorted arrays, about 34 bytes each
// plus ~1 byte of hash directories (MemoryBytes() / record_count() measures it); the details of a
// hit are read from the store (ListStore::Get) when wanted.
//
// Thread safety: Lookup() may run from any number of threads concurrently
// with one thread calling Refresh() or Load().
#ifndef TDV_LISTS_LIST_INDEX_H_
#define TDV_LISTS_LIST_INDEX_H_

#include <cstdint>
#include <memory>
#include <shared_mutex>
#include <string>
#include <string_view>
#include <vector>

#include "tdv/lists/list_store.h"
#include "tdv/lists/record.h"
#include "tdv/mrz/result.h"

namespace tdv::lists {

struct ListHit {
  enum class Kind { kExact, kPossible };
  Kind kind = Kind::kExact;
  std::string list;
  ListRecord record;  // key fields and status; details via ListStore::Get
  // For a possible match: 1-based positions in the queried number where the
  // listed number differs (look-alike characters).
  std::vector<int> differing_positions;
};

struct ListSummary {
  ListInfo info;
  std::int64_t indexed = 0;
  // Seconds since the list's last update (ListService::Check fills it in;
  // -1 when unknown).
  std::int64_t age_seconds = -1;
};

struct LookupQuery {
  std::string issuing_state;    // "D<<" or "D"
  std::string document_type;    // MRZ document code ("P<", "ID", ...)
  std::string document_number;  // as read
};

class ListIndex {
 public:
  ListIndex();
  ~ListIndex();
  ListIndex(const ListIndex&) = delete;
  ListIndex& operator=(const ListIndex&) = delete;

  // Builds the index from every list in `store` (replacing what it held).
  Status Load(ListStore& store);
  // Applies the changes made since the last Load/Refresh. A "replace" of a
  // list reloads that list; record changes go to a small overlay that is
  // merged into the sorted arrays when it grows.
  Status Refresh(ListStore& store);

  // Exact hits first, then possible (look-alike) matches, over every list.
  std::vector<ListHit> Lookup(const LookupQuery& query) const;

  // The lists as of the last Load/Refresh, and the change sequence reached.
  std::vector<ListSummary> Lists() const;
  std::int64_t sequence() const;
  std::int64_t record_count() const;
  std::size_t MemoryBytes() const;

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

}  // namespace tdv::lists

#endif  // TDV_LISTS_LIST_INDEX_H_
