// SPDX-License-Identifier: Apache-2.0
// Per-key rate limits: a token bucket for each key, refilled at the rate set
// for the key's role and holding at most one second's worth twice over (the
// burst). A request beyond it is answered 429 with Retry-After.
//
// Thread safety: Take() may be called from any thread.
#ifndef TDV_HTTP_RATE_LIMIT_H_
#define TDV_HTTP_RATE_LIMIT_H_

#include <chrono>
#include <map>
#include <mutex>
#include <string>
#include <unordered_map>

namespace tdv::http {

class RateLimiter {
 public:
  using Clock = std::chrono::steady_clock;
  // Requests per second by role; a role not named is not limited.
  explicit RateLimiter(std::map<std::string, double> per_second_by_role)
      : rates_(std::move(per_second_by_role)) {}

  // Takes one request from `key_id`'s bucket. False when it is empty;
  // `retry_after_seconds` then receives the whole seconds until one request
  // is allowed again (at least 1).
  bool Take(const std::string& key_id, const std::string& role, int& retry_after_seconds,
            Clock::time_point now = Clock::now());

 private:
  struct Bucket {
    double tokens = 0;
    Clock::time_point last;
  };
  std::map<std::string, double> rates_;
  std::mutex mu_;
  std::unordered_map<std::string, Bucket> buckets_;
};

}  // namespace tdv::http

#endif  // TDV_HTTP_RATE_LIMIT_H_
