// SPDX-License-Identifier: Apache-2.0
#include "periodic.h"

#include <utility>

namespace tdv::app {

Periodic::Periodic(std::chrono::milliseconds interval, First first, std::function<void()> task) {
  thread_ = std::thread([this, interval, first, task = std::move(task)] {
    std::unique_lock<std::mutex> lock(mu_);
    const auto stopped = [this] { return stopping_.load(); };
    if (first == First::kAfterInterval && cv_.wait_for(lock, interval, stopped)) return;
    do {
      lock.unlock();
      task();
      lock.lock();
    } while (!cv_.wait_for(lock, interval, stopped));
  });
}

void Periodic::Stop() {
  {
    std::lock_guard<std::mutex> lock(mu_);
    stopping_ = true;
  }
  cv_.notify_all();
  if (thread_.joinable()) thread_.join();
}

}  // namespace tdv::app
