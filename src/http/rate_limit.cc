// SPDX-License-Identifier: Apache-2.0
#include "tdv/http/rate_limit.h"

#include <algorithm>
#include <cmath>

namespace tdv::http {

bool RateLimiter::Take(const std::string& key_id, const std::string& role, int& retry_after_seconds,
                       Clock::time_point now) {
  const auto rate = rates_.find(role);
  if (rate == rates_.end() || rate->second <= 0) return true;
  const double per_second = rate->second;
  const double burst = std::max(1.0, 2 * per_second);
  std::lock_guard lock(mu_);
  auto [it, fresh] = buckets_.try_emplace(key_id);
  Bucket& b = it->second;
  if (fresh) {
    b.tokens = burst;
  } else {
    const double elapsed = std::chrono::duration<double>(now - b.last).count();
    b.tokens = std::min(burst, b.tokens + std::max(0.0, elapsed) * per_second);
  }
  b.last = now;
  if (b.tokens >= 1.0) {
    b.tokens -= 1.0;
    return true;
  }
  retry_after_seconds = std::max(1, static_cast<int>(std::ceil((1.0 - b.tokens) / per_second)));
  return false;
}

}  // namespace tdv::http
