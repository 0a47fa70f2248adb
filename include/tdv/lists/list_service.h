// SPDX-License-Identifier: Apache-2.0
// ListService: what the verification pipeline consults. It owns a store and
// its in-memory index, keeps the index current (Refresh(), called by a
// background thread in `tdv serve`), and answers Check() from memory.
//
// A check never reads as "not listed" when the lists could not be consulted:
// if the index was never loaded, or has not been refreshed successfully for
// longer than `max_staleness_seconds`, Check() says kUnavailable.
//
// Thread safety: Check() from any number of threads; Load()/Refresh() from
// one thread at a time.
#ifndef TDV_LISTS_LIST_SERVICE_H_
#define TDV_LISTS_LIST_SERVICE_H_

#include <atomic>
#include <chrono>
#include <memory>
#include <mutex>
#include <string>
#include <vector>

#include "tdv/lists/list_index.h"
#include "tdv/lists/list_store.h"

namespace tdv::lists {

struct ListsCheck {
  enum class Status {
    kClear,        // every list consulted, no hit
    kHit,          // at least one exact or possible hit
    kUnavailable,  // the lists could not be consulted (see detail)
    kNoLists,      // the store holds no list
  };
  Status status = Status::kUnavailable;
  std::vector<ListSummary> consulted;
  std::vector<ListHit> hits;           // exact first; details read from the store
  std::int64_t index_age_seconds = 0;  // since the last successful refresh
  std::string detail;
};

class ListService {
 public:
  struct Options {
    int max_staleness_seconds = 300;
    bool fetch_details = true;  // read each hit's full record from the store
  };
  ListService(std::unique_ptr<ListStore> store, Options options);
  // Opens the store at `url` (see OpenStore). If that fails, the service
  // still exists and reports kUnavailable (with the reason) until a
  // Refresh() manages to open it.
  static std::unique_ptr<ListService> Open(const std::string& url, Options options);

  // Builds the index. On failure the service stays usable and reports
  // kUnavailable until a later Load() or Refresh() succeeds.
  Status Load();
  // Applies the store's changes (a full Load() if never loaded).
  Status Refresh();

  ListsCheck Check(const LookupQuery& query) const;

  const ListIndex& index() const { return index_; }
  // The store (nullptr if it could not be opened), for administrative
  // commands; not thread-safe.
  ListStore* store() { return store_.get(); }

 private:
  Status EnsureStore();

  std::string url_;  // for reopening
  std::unique_ptr<ListStore> store_;
  mutable std::mutex store_mutex_;  // the store is used by one thread at a time
  Options options_;
  ListIndex index_;
  std::atomic<bool> loaded_{false};
  std::atomic<std::int64_t> last_ok_ms_{0};
  mutable std::mutex error_mutex_;
  std::string last_error_;
};

}  // namespace tdv::lists

#endif  // TDV_LISTS_LIST_SERVICE_H_
