// SPDX-License-Identifier: Apache-2.0
#include "tdv/lists/list_service.h"

#include <algorithm>

#include "store_common.h"

namespace tdv::lists {
namespace {
std::int64_t NowMs() {
  return std::chrono::duration_cast<std::chrono::milliseconds>(
             std::chrono::steady_clock::now().time_since_epoch())
      .count();
}
}  // namespace

ListService::ListService(std::unique_ptr<ListStore> store, Options options)
    : store_(std::move(store)), options_(options) {}

std::unique_ptr<ListService> ListService::Open(const std::string& url, Options options) {
  auto service = std::make_unique<ListService>(nullptr, options);
  service->url_ = url;
  (void)service->EnsureStore();
  return service;
}

// Requires store_mutex_ or exclusive use.
Status ListService::EnsureStore() {
  if (store_) return {};
  auto opened = OpenStore(url_);
  if (!opened) {
    std::lock_guard<std::mutex> lock(error_mutex_);
    last_error_ = opened.error().message;
    return opened.error();
  }
  store_ = std::move(*opened);
  return {};
}

Status ListService::Load() {
  Status st;
  {
    std::lock_guard<std::mutex> lock(store_mutex_);
    st = EnsureStore();
    if (st) st = index_.Load(*store_);
  }
  if (st) {
    loaded_ = true;
    last_ok_ms_ = NowMs();
  } else {
    std::lock_guard<std::mutex> lock(error_mutex_);
    last_error_ = st.error().message;
  }
  return st;
}

Status ListService::Refresh() {
  if (!loaded_) return Load();
  Status st;
  {
    std::lock_guard<std::mutex> lock(store_mutex_);
    st = index_.Refresh(*store_);
  }
  if (st) {
    last_ok_ms_ = NowMs();
  } else {
    std::lock_guard<std::mutex> lock(error_mutex_);
    last_error_ = st.error().message;
  }
  return st;
}

ListsCheck ListService::Check(const LookupQuery& query) const {
  ListsCheck out;
  if (!loaded_) {
    std::lock_guard<std::mutex> lock(error_mutex_);
    out.detail = "the lists were never loaded: " + last_error_;
    return out;
  }
  out.index_age_seconds = (NowMs() - last_ok_ms_) / 1000;
  if (out.index_age_seconds > options_.max_staleness_seconds) {
    std::lock_guard<std::mutex> lock(error_mutex_);
    out.detail = "the lists have not been refreshed for " + std::to_string(out.index_age_seconds) +
                 " s (limit " + std::to_string(options_.max_staleness_seconds) +
                 " s): " + last_error_;
    return out;
  }
  out.consulted = index_.Lists();
  const std::int64_t now = std::chrono::duration_cast<std::chrono::seconds>(
                               std::chrono::system_clock::now().time_since_epoch())
                               .count();
  for (ListSummary& l : out.consulted) {
    const std::int64_t at = internal::ParseRfc3339(l.info.updated_at);
    l.age_seconds = at < 0 ? -1 : std::max<std::int64_t>(0, now - at);
  }
  if (out.consulted.empty()) {
    out.status = ListsCheck::Status::kNoLists;
    out.detail = "no lists are loaded";
    return out;
  }
  out.hits = index_.Lookup(query);
  if (out.hits.empty()) {
    out.status = ListsCheck::Status::kClear;
    out.detail = "not listed in " + std::to_string(out.consulted.size()) + " list(s)";
    return out;
  }
  out.status = ListsCheck::Status::kHit;
  if (options_.fetch_details) {
    std::lock_guard<std::mutex> lock(store_mutex_);
    for (ListHit& h : out.hits) {
      if (!store_) break;
      auto full = store_->Get(h.list, h.record.issuing_state, h.record.document_type,
                              h.record.document_number);
      if (full && *full) h.record = **full;  // else: key fields only (store unreachable right now)
    }
  }
  return out;
}

}  // namespace tdv::lists
