// SPDX-License-Identifier: Apache-2.0
#include "bulk_lane.h"

#include <sys/resource.h>
#include <sys/syscall.h>
#include <unistd.h>

#include <algorithm>

namespace tdv::http::internal {

bool LowerThisThreadPriority() {
  const auto tid = static_cast<id_t>(::syscall(SYS_gettid));
  return ::setpriority(PRIO_PROCESS, tid, kBulkNice) == 0;
}

BulkLane::BulkLane(std::size_t threads) {
  for (std::size_t i = 0; i < std::max<std::size_t>(1, threads); ++i) {
    threads_.emplace_back([this] {
      LowerThisThreadPriority();
      Work();
    });
  }
}

BulkLane::~BulkLane() {
  {
    std::lock_guard<std::mutex> lock(mu_);
    stopping_ = true;
  }
  cv_.notify_all();
  for (auto& t : threads_) t.join();
}

void BulkLane::Run(const std::function<void()>& task) {
  std::packaged_task<void()> job(task);
  std::future<void> done = job.get_future();
  {
    std::lock_guard<std::mutex> lock(mu_);
    queue_.push_back(&job);
  }
  cv_.notify_one();
  done.get();
}

void BulkLane::Work() {
  for (;;) {
    std::packaged_task<void()>* job = nullptr;
    {
      std::unique_lock<std::mutex> lock(mu_);
      cv_.wait(lock, [this] { return stopping_ || !queue_.empty(); });
      if (queue_.empty()) return;  // stopping, and nothing left to run
      job = queue_.front();
      queue_.pop_front();
    }
    (*job)();
  }
}

}  // namespace tdv::http::internal
