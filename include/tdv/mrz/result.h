// SPDX-License-Identifier: Apache-2.0
// Error and Result: how every TDV module reports an expected failure.
//
// An expected failure (bad input, a missing record, a store that cannot be
// reached) is a return value, never an exception. `Result<T>` holds either a
// value or an `Error`; it has the shape of C++23 std::expected so that moving
// to it later is mechanical. `Status` is `Result<void>`.
//
// Error::message is meant for logs and operators. Code that talks to clients
// (HTTP, CLI) maps ErrorCode to its own status and wording.
#ifndef TDV_MRZ_RESULT_H_
#define TDV_MRZ_RESULT_H_

#include <cassert>
#include <string>
#include <utility>
#include <variant>

namespace tdv {

enum class ErrorCode {
  kInvalidInput,      // the caller's input is malformed or out of range
  kUnsupported,       // well-formed, but a format or feature TDV does not handle
  kNotFound,          // the thing asked for does not exist
  kCorrupt,           // stored or received data fails an integrity check
  kUnavailable,       // a dependency (store, server, file) cannot be reached now
  kPermissionDenied,  // the caller may not do this (e.g. change another source's list)
  kInternal,          // a bug or an unexpected library failure
};

// Returns a stable lower-case name for `code`, e.g. "invalid_input".
const char* ErrorCodeName(ErrorCode code) noexcept;

struct Error {
  ErrorCode code = ErrorCode::kInternal;
  std::string message;
};

// Either a T or an Error. Accessing the wrong alternative is a programming
// error (asserted in debug builds).
template <class T>
class [[nodiscard]] Result {
 public:
  Result(T value) : v_(std::move(value)) {}      // NOLINT: implicit by design
  Result(Error error) : v_(std::move(error)) {}  // NOLINT: implicit by design
  // Builds the value in place (no move of a large T).
  template <class... Args>
  explicit Result(std::in_place_t, Args&&... args)
      : v_(std::in_place_index<0>, std::forward<Args>(args)...) {}

  bool has_value() const noexcept { return v_.index() == 0; }
  explicit operator bool() const noexcept { return has_value(); }

  T& value() & {
    assert(has_value());
    return std::get<0>(v_);
  }
  const T& value() const& {
    assert(has_value());
    return std::get<0>(v_);
  }
  T&& value() && {
    assert(has_value());
    return std::get<0>(std::move(v_));
  }
  const Error& error() const {
    assert(!has_value());
    return std::get<1>(v_);
  }
  T* operator->() { return &value(); }
  const T* operator->() const { return &value(); }
  T& operator*() & { return value(); }
  const T& operator*() const& { return value(); }

 private:
  std::variant<T, Error> v_;
};

template <>
class [[nodiscard]] Result<void> {
 public:
  Result() = default;
  Result(Error error) : error_(std::move(error)), ok_(false) {}  // NOLINT

  bool has_value() const noexcept { return ok_; }
  explicit operator bool() const noexcept { return ok_; }
  const Error& error() const {
    assert(!ok_);
    return error_;
  }

 private:
  Error error_;
  bool ok_ = true;
};

using Status = Result<void>;

}  // namespace tdv

#endif  // TDV_MRZ_RESULT_H_
