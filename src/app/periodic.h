// SPDX-License-Identifier: Apache-2.0
// The service's background work on threads of their own: the lists and
// trust store refreshed, partners' outputs and feeds fetched, the audit
// trail's checkpoints written and its personal fields erased, the exchange
// outputs published.
#ifndef TDV_APP_PERIODIC_H_
#define TDV_APP_PERIODIC_H_

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <functional>
#include <mutex>
#include <thread>

namespace tdv::app {

// `task` run on a thread of its own, at once (kNow) or first after one
// `interval` (kAfterInterval), then every `interval` after the end of the
// run before, until Stop() or destruction, which wake the thread and wait
// for the run in progress. A long run may look at stopping() and end early.
class Periodic {
 public:
  enum class First { kNow, kAfterInterval };
  Periodic(std::chrono::milliseconds interval, First first, std::function<void()> task);
  ~Periodic() { Stop(); }
  Periodic(const Periodic&) = delete;
  Periodic& operator=(const Periodic&) = delete;

  void Stop();
  const std::atomic<bool>& stopping() const { return stopping_; }

 private:
  std::mutex mu_;
  std::condition_variable cv_;
  std::atomic<bool> stopping_{false};
  std::thread thread_;
};

}  // namespace tdv::app

#endif  // TDV_APP_PERIODIC_H_
