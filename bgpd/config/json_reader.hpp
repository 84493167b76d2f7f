// Strict reading of a JSON configuration: every object declares its keys (an unknown one
// is refused with a "did you mean"; a repeated one too), every value its type and range,
// and every error names its path ("neighbors[2].holdTime: ..."). The first error is kept
// and later reads do nothing, so a parser reads field after field and checks once.
#pragma once

#include <cstdint>
#include <initializer_list>
#include <limits>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include <fmt/format.h>
#include <rapidjson/document.h>

#include "base/ip/address.hpp"
#include "base/ip/prefix.hpp"
#include "base/result.hpp"

namespace sluice::bgp::config::json {

// "an object", "a string", "an integer", "a number", ... for messages.
std::string_view type_name(const rapidjson::Value& value);
// The closest of `known` to `key` when it is a near miss (edit distance at most 2, or
// equal ignoring case), else empty.
std::string_view suggest(std::string_view key, std::span<const std::string_view> known);

// Collects the first error.
class Errors {
 public:
  bool ok() const { return !first_; }
  void fail(Error error) {
    if (!first_) first_ = std::move(error);
  }
  void fail(std::string_view path, std::string_view problem) { fail(Error{fmt::format("{}: {}", path, problem)}); }
  const Error& first() const { return *first_; }

 private:
  std::optional<Error> first_;
};

std::string join(std::string_view path, std::string_view key);
std::string index(std::string_view path, std::size_t i);

// One JSON object at `path`. Reads of absent keys leave their target alone.
class Object {
 public:
  // Checks that `value` is an object whose keys are all `known`, each once; on failure
  // the object reads as empty (every read a no-op).
  Object(const rapidjson::Value& value, std::string path, std::span<const std::string_view> known, Errors& errors);
  Object(const rapidjson::Value& value, std::string path, std::initializer_list<std::string_view> known,
         Errors& errors)
      : Object(value, std::move(path), std::span<const std::string_view>(known.begin(), known.size()), errors) {}

  const std::string& path() const { return path_; }
  std::string at(std::string_view key) const { return join(path_, key); }
  bool valid() const { return value_ != nullptr; }
  bool has(std::string_view key) const { return get(key) != nullptr; }
  // The member, or nullptr when absent (or the object is invalid or an error was seen).
  const rapidjson::Value* get(std::string_view key) const;
  Errors& errors() const { return errors_; }

  void read(std::string_view key, bool& target) const;
  void read(std::string_view key, std::optional<bool>& target) const;
  // Strings: no NUL characters; `allow_empty` false refuses "".
  void read(std::string_view key, std::string& target, bool allow_empty = true) const;
  void read(std::string_view key, std::optional<std::string>& target, bool allow_empty = false) const;
  void read(std::string_view key, ip::Address& target) const;
  void read(std::string_view key, std::optional<ip::Address>& target) const;
  void read(std::string_view key, ip::Prefix& target) const;

  // An integer within [min, max]; otherwise "<v> is not allowed (<allowed>)", where
  // `allowed` defaults to "min..max".
  template <class T>
  void read(std::string_view key, T& target, std::int64_t min, std::int64_t max, std::string_view allowed = {}) const {
    if (auto v = integer(key, min, max, allowed)) target = static_cast<T>(*v);
  }
  template <class T>
  void read(std::string_view key, std::optional<T>& target, std::int64_t min, std::int64_t max,
            std::string_view allowed = {}) const {
    if (auto v = integer(key, min, max, allowed)) target = static_cast<T>(*v);
  }

  // One of `choices` (for enums): returns its index.
  std::optional<std::size_t> choice(std::string_view key, std::initializer_list<std::string_view> choices) const;
  // An array, or nullptr (absent or an error).
  const rapidjson::Value* array(std::string_view key) const;
  // A string or an array of strings (one string reads as a list of one). Each element
  // passes through `parse` (which returns an error message or the value) and errors name
  // "key[i]" (or "key" for the single string).
  template <class T, class Parse>
  void list(std::string_view key, std::vector<T>& target, Parse parse) const;
  // An integer or an array of integers, each in [min, max].
  void integers(std::string_view key, std::vector<std::uint32_t>& target, std::int64_t min, std::int64_t max,
                std::string_view allowed = {}) const;

 private:
  std::optional<std::int64_t> integer(std::string_view key, std::int64_t min, std::int64_t max,
                                      std::string_view allowed) const;
  std::optional<std::string_view> string_value(const rapidjson::Value& v, const std::string& path) const;

  const rapidjson::Value* value_ = nullptr;
  std::string path_;
  Errors& errors_;
};

// The value of a string, or a message when it is not one (or holds a NUL).
Result<std::string_view> as_string(const rapidjson::Value& v);

template <class T, class Parse>
void Object::list(std::string_view key, std::vector<T>& target, Parse parse) const {
  const rapidjson::Value* v = get(key);
  if (!v) return;
  auto one = [&](const rapidjson::Value& element, const std::string& where) -> bool {
    auto text = as_string(element);
    if (!text) {
      errors_.fail(where, text.error().message);
      return false;
    }
    Result<T> parsed = parse(*text);
    if (!parsed) {
      errors_.fail(where, parsed.error().message);
      return false;
    }
    target.push_back(std::move(*parsed));
    return true;
  };
  target.clear();
  if (v->IsString()) {
    one(*v, at(key));
    return;
  }
  if (!v->IsArray()) {
    errors_.fail(at(key), fmt::format("expected a string or an array of strings, got {}", type_name(*v)));
    return;
  }
  for (rapidjson::SizeType i = 0; i < v->Size(); ++i) {
    if (!one((*v)[i], index(at(key), i))) return;
  }
}

}  // namespace sluice::bgp::config::json
