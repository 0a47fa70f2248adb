// SPDX-License-Identifier: Apache-2.0
// The trust store as the verifier sees it: one immutable snapshot, replaced
// when the directory changes (a `tdv trust import` while serving).
#ifndef TDV_APP_TRUST_SNAPSHOT_H_
#define TDV_APP_TRUST_SNAPSHOT_H_

#include <filesystem>
#include <memory>
#include <mutex>
#include <string>

#include "tdv/sig/trust_store.h"

namespace tdv::app {

class TrustSnapshot {
 public:
  TrustSnapshot(std::filesystem::path dir, sig::CrlPolicy policy)
      : dir_(std::move(dir)), policy_(policy) {}

  std::shared_ptr<const sig::TrustAnchors> Current() const {
    std::lock_guard<std::mutex> lock(mutex_);
    return current_;
  }

  // Loads the store again when its files changed; the error when it cannot
  // be read (the previous snapshot stays in use).
  Status Reload() {
    const std::string print = Fingerprint();
    {
      std::lock_guard<std::mutex> lock(mutex_);
      if (current_ && print == fingerprint_) return {};
    }
    auto loaded = sig::TrustAnchors::Load(dir_, policy_);
    if (!loaded) return loaded.error();
    std::lock_guard<std::mutex> lock(mutex_);
    current_ = std::move(*loaded);
    fingerprint_ = print;
    return {};
  }

 private:
  // Names, sizes and times of the store's files.
  std::string Fingerprint() const {
    std::string out;
    std::error_code ec;
    for (const auto& e : std::filesystem::recursive_directory_iterator(dir_, ec)) {
      std::error_code ec2;
      out += e.path().string() + ":" +
             std::to_string(e.is_regular_file(ec2) ? e.file_size(ec2) : 0) + ":" +
             std::to_string(e.last_write_time(ec2).time_since_epoch().count()) + ";";
    }
    return out;
  }

  std::filesystem::path dir_;
  sig::CrlPolicy policy_;
  mutable std::mutex mutex_;
  std::shared_ptr<const sig::TrustAnchors> current_;
  std::string fingerprint_;
};

}  // namespace tdv::app

#endif  // TDV_APP_TRUST_SNAPSHOT_H_
