// Kubernetes' IntOrString (a port given as 8080 or as the named port "http"), kept as
// whichever form the JSON used: "80" stays a string, 80 stays a number.
#pragma once

#include <cstdint>
#include <string>
#include <variant>

namespace sluice::k8s {

struct IntOrString {
  std::variant<std::int32_t, std::string> value;

  bool is_int() const { return value.index() == 0; }
  std::int32_t int_value() const { return std::get<0>(value); }
  const std::string& string_value() const { return std::get<1>(value); }

  friend bool operator==(const IntOrString&, const IntOrString&) = default;
};

}  // namespace sluice::k8s
