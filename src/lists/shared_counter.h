// SPDX-License-Identifier: Apache-2.0
// A 64-bit counter in a small file mapped into every process that opens it:
// one process bumps it, the others see the new value with a plain memory
// read (no system call). The key store counts its changes with one, so that
// a key read once can be kept until any process changes a key.
#ifndef TDV_SRC_LISTS_SHARED_COUNTER_H_
#define TDV_SRC_LISTS_SHARED_COUNTER_H_

#include <fcntl.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include <atomic>
#include <cstdint>
#include <string>

namespace tdv::lists::internal {

class SharedCounter {
 public:
  SharedCounter() = default;
  ~SharedCounter() {
    if (value_ != nullptr) ::munmap(value_, kSize);
  }
  SharedCounter(const SharedCounter&) = delete;
  SharedCounter& operator=(const SharedCounter&) = delete;

  // Maps `path` (created, mode 0600, if missing). False when it cannot be;
  // the counter then reads 0 ("unknown") and Bump() does nothing.
  bool Open(const std::string& path) {
    const int fd = ::open(path.c_str(), O_RDWR | O_CREAT | O_CLOEXEC, 0600);
    if (fd < 0) return false;
    struct stat st {};
    bool ok = ::fstat(fd, &st) == 0 &&
              (st.st_size >= static_cast<off_t>(kSize) || ::ftruncate(fd, kSize) == 0);
    void* p = ok ? ::mmap(nullptr, kSize, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0) : MAP_FAILED;
    ::close(fd);
    if (p == MAP_FAILED) return false;
    value_ = static_cast<std::uint64_t*>(p);
    return true;
  }
  // The current value, never 0 once open (the count starts at 1).
  std::uint64_t Load() const {
    if (value_ == nullptr) return 0;
    return std::atomic_ref<std::uint64_t>(*value_).load(std::memory_order_acquire) + 1;
  }
  void Bump() {
    if (value_ != nullptr)
      std::atomic_ref<std::uint64_t>(*value_).fetch_add(1, std::memory_order_acq_rel);
  }

 private:
  static constexpr std::size_t kSize = 4096;
  std::uint64_t* value_ = nullptr;
};

}  // namespace tdv::lists::internal

#endif  // TDV_SRC_LISTS_SHARED_COUNTER_H_
