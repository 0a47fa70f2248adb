// SPDX-License-Identifier: Apache-2.0
// Work that can wait gives way to work that cannot. An officer's MRZ check
// takes a millisecond; a page read takes a second of a core, a visa
// section's batch many. On a busy machine a text check woken behind them
// waited for their time slices (the 30-minute soak's text p99 was 20-36 ms
// against a 10 ms target). Threads that read images and verify batches run
// at a lower scheduling priority (nice kBulkNice): the scheduler then runs
// a waiting text check first; on an idle machine nothing changes.
#ifndef TDV_SRC_HTTP_BULK_LANE_H_
#define TDV_SRC_HTTP_BULK_LANE_H_

#include <condition_variable>
#include <cstddef>
#include <deque>
#include <functional>
#include <future>
#include <mutex>
#include <thread>
#include <vector>

namespace tdv::http::internal {

inline constexpr int kBulkNice = 10;

// Lowers the calling thread's priority to nice kBulkNice (on Linux nice is
// a thread's own). False when the system refuses; the work then runs as
// before.
bool LowerThisThreadPriority();

// `threads` threads at nice kBulkNice, each running one task at a time.
// Safe to use from any thread.
class BulkLane {
 public:
  explicit BulkLane(std::size_t threads);
  ~BulkLane();  // runs what is queued, then joins
  BulkLane(const BulkLane&) = delete;
  BulkLane& operator=(const BulkLane&) = delete;

  // Runs `task` on one of the lane's threads and returns when it has run
  // (its exception, if any, rethrown here).
  void Run(const std::function<void()>& task);

 private:
  void Work();
  std::mutex mu_;
  std::condition_variable cv_;
  std::deque<std::packaged_task<void()>*> queue_;
  bool stopping_ = false;
  std::vector<std::thread> threads_;
};

}  // namespace tdv::http::internal

#endif  // TDV_SRC_HTTP_BULK_LANE_H_
