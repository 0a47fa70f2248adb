// SPDX-License-Identifier: Apache-2.0
// The lane image checks and batches run in (src/http/bulk_lane.h): below
// the priority of the threads that answer text checks, every task run and
// its result or exception handed back, no more at once than its threads.
#include "bulk_lane.h"

#include <sys/resource.h>
#include <sys/syscall.h>
#include <unistd.h>

#include <atomic>
#include <chrono>
#include <stdexcept>
#include <thread>
#include <vector>

#include "catch.h"

namespace tdv::http::internal {
namespace {

int ThisThreadNice() {
  return ::getpriority(PRIO_PROCESS, static_cast<id_t>(::syscall(SYS_gettid)));
}

TEST_CASE("bulk lane: tasks run below the caller's priority, as many at once as its threads",
          "[http][lane]") {
  const int caller = ThisThreadNice();
  REQUIRE(caller < kBulkNice);  // the test runs at the usual priority
  BulkLane lane(2);
  int seen = -100;
  lane.Run([&] { seen = ThisThreadNice(); });
  CHECK(seen == kBulkNice);
  CHECK(ThisThreadNice() == caller);  // the caller's own is untouched

  // Sixteen callers at once: each task runs once, never more than two at
  // a time, and each caller returns after its own task.
  std::atomic<int> running{0}, most{0}, ran{0};
  std::vector<std::thread> callers;
  std::vector<int> done(16, 0), done_on_return(16, 0);  // Catch's checks: this thread only
  for (int i = 0; i < 16; ++i) {
    callers.emplace_back([&, i] {
      lane.Run([&, i] {
        const int now = ++running;
        int m = most.load();
        while (now > m && !most.compare_exchange_weak(m, now)) {
        }
        std::this_thread::sleep_for(std::chrono::milliseconds(5));
        done[static_cast<std::size_t>(i)] = 1;
        --running;
        ++ran;
      });
      done_on_return[static_cast<std::size_t>(i)] = done[static_cast<std::size_t>(i)];
    });
  }
  for (auto& t : callers) t.join();
  CHECK(ran == 16);
  CHECK(done_on_return == std::vector<int>(16, 1));
  CHECK(most <= 2);
  CHECK(most >= 1);

  // A task's exception comes back to its caller; the lane goes on.
  CHECK_THROWS_AS(lane.Run([] { throw std::runtime_error("boom"); }), std::runtime_error);
  bool after = false;
  lane.Run([&] { after = true; });
  CHECK(after);
}

TEST_CASE("bulk lane: the calling thread's own priority lowered, for a batch's workers",
          "[http][lane]") {
  int nice = -100;
  bool lowered = false;
  std::thread t([&] {
    lowered = LowerThisThreadPriority();
    nice = ThisThreadNice();
  });
  t.join();
  CHECK(lowered);
  CHECK(nice == kBulkNice);
}

}  // namespace
}  // namespace tdv::http::internal
