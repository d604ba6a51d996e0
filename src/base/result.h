// Result<T>: a value or an Error with context, for environment failures and malformed input.
//
// Business outcomes (a rejected shipment) are never Errors; they are decisions. No exception crosses a
// module boundary: adapters around simdjson, toml++ and SQLite catch and convert to Result.
// Thread-safety: a value type; no shared state.
#pragma once

#include <string>
#include <utility>
#include <variant>

#include "base/check.h"

namespace twoline {

struct Error {
  std::string message;
};

template <typename T>
class [[nodiscard]] Result {
 public:
  Result(T value) : data_(std::move(value)) {}  // NOLINT: implicit by design
  Result(Error error) : data_(std::move(error)) {}  // NOLINT

  bool ok() const { return data_.index() == 0; }
  explicit operator bool() const { return ok(); }

  T& value() & {
    CHECK(ok());
    return std::get<0>(data_);
  }
  const T& value() const& {
    CHECK(ok());
    return std::get<0>(data_);
  }
  T&& value() && {
    CHECK(ok());
    return std::get<0>(std::move(data_));
  }
  T& operator*() & { return value(); }
  const T& operator*() const& { return value(); }
  T* operator->() { return &value(); }
  const T* operator->() const { return &value(); }

  const Error& error() const {
    CHECK(!ok());
    return std::get<1>(data_);
  }

 private:
  std::variant<T, Error> data_;
};

// Result<void> equivalent.
class [[nodiscard]] Status {
 public:
  Status() = default;
  Status(Error error) : error_(std::move(error.message)), failed_(true) {}  // NOLINT
  static Status Ok() { return Status(); }
  bool ok() const { return !failed_; }
  explicit operator bool() const { return ok(); }
  const std::string& message() const { return error_; }

 private:
  std::string error_;
  bool failed_ = false;
};

}  // namespace twoline
