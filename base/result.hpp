// Result<T>: a value or a precise, human-readable error; the return type of every
// function that can fail on bad input (errors on bad input are values, not exceptions).
#pragma once

#include <cassert>
#include <string>
#include <string_view>
#include <utility>
#include <variant>

namespace sluice {

struct Error {
  std::string message;
  // Optional machine-readable kind, defined by the layer that raised it (an HTTP status,
  // an etcd error code, ...); 0 when there is nothing to branch on.
  int code = 0;

  // Prefixes context ("while reading X: ") so errors read outermost-first; keeps the code.
  // Appended into one reserved string: `std::string(what) + ": "` draws g++ 12's false
  // -Warray-bounds wherever it is inlined.
  [[nodiscard]] Error context(std::string_view what) const {
    std::string text;
    text.reserve(what.size() + 2 + message.size());
    text.append(what).append(": ").append(message);
    return Error{std::move(text), code};
  }
  friend bool operator==(const Error&, const Error&) = default;
};

// E is the error type: Error almost everywhere; a layer whose failures carry protocol
// data (a BGP NOTIFICATION, say) names its own.
template <class T, class E = Error>
class [[nodiscard]] Result {
 public:
  Result(T value) : state_(std::in_place_index<0>, std::move(value)) {}  // NOLINT: implicit by design
  Result(E error) : state_(std::in_place_index<1>, std::move(error)) {}  // NOLINT

  bool ok() const { return state_.index() == 0; }
  explicit operator bool() const { return ok(); }

  T& value() & {
    assert(ok());
    return std::get<0>(state_);
  }
  const T& value() const& {
    assert(ok());
    return std::get<0>(state_);
  }
  T&& value() && {
    assert(ok());
    return std::get<0>(std::move(state_));
  }
  const E& error() const {
    assert(!ok());
    return std::get<1>(state_);
  }

  T& operator*() & { return value(); }
  const T& operator*() const& { return value(); }
  T* operator->() { return &value(); }
  const T* operator->() const { return &value(); }

 private:
  std::variant<T, E> state_;
};

// Success-or-error for operations that produce nothing.
template <class E>
class [[nodiscard]] Result<void, E> {
 public:
  Result() = default;
  Result(E error) : error_(std::move(error)), failed_(true) {}  // NOLINT: implicit by design

  bool ok() const { return !failed_; }
  explicit operator bool() const { return ok(); }
  const E& error() const {
    assert(failed_);
    return error_;
  }

 private:
  E error_;
  bool failed_ = false;
};

using Status = Result<void>;

}  // namespace sluice
