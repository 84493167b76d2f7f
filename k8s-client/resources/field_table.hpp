// How a typed resource maps onto JSON: each modeled struct S has one FieldTable<S>, a row
// per JSON member (name, C++ member, presence rule). The decoder, the encoder, the fuzz
// target and the CRD schema test all walk these rows, so a field is added in one place.
#pragma once

#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <tuple>
#include <type_traits>
#include <vector>

namespace sluice::k8s {

// What an absent (or null) member means when reading, and when a member is written.
enum class Presence {
  required,    // absent is an error; always written
  always,      // absent reads as M{}; always written (Go fields without omitempty)
  omit_empty,  // absent reads as M{}; not written while it equals M{}
  optional,    // a std::optional member: absent is nullopt, and nullopt is not written
};

template <class S, class M, Presence P>
struct Field {
  using Struct = S;
  using Member = M;
  static constexpr Presence presence = P;
  std::string_view name;  // the JSON member name, spelled as the API spells it
  M S::*member;
};

// Specialized, right after each modeled struct, with `static constexpr auto fields = std::tuple{...}`.
template <class S>
struct FieldTable;

template <class S>
concept Modeled = requires { FieldTable<S>::fields; };

template <class T>
inline constexpr bool is_optional_v = false;
template <class T>
inline constexpr bool is_optional_v<std::optional<T>> = true;

template <class T>
inline constexpr bool is_vector_v = false;
template <class T>
inline constexpr bool is_vector_v<std::vector<T>> = true;

template <class T>
inline constexpr bool is_string_map_v = false;
template <class T>
inline constexpr bool is_string_map_v<std::map<std::string, T>> = true;

// Row constructors, so that a table reads `field::required("cidr", &IPAMBlockSpec::cidr)`.
namespace field {
template <class S, class M>
constexpr Field<S, M, Presence::required> required(std::string_view name, M S::*member) {
  static_assert(!is_optional_v<M>, "a required field is not a std::optional");
  return {name, member};
}
template <class S, class M>
constexpr Field<S, M, Presence::always> always(std::string_view name, M S::*member) {
  static_assert(!is_optional_v<M>, "use field::optional for a std::optional member");
  return {name, member};
}
template <class S, class M>
constexpr Field<S, M, Presence::omit_empty> omit_empty(std::string_view name, M S::*member) {
  static_assert(!is_optional_v<M>, "use field::optional for a std::optional member");
  return {name, member};
}
template <class S, class M>
constexpr Field<S, M, Presence::optional> optional(std::string_view name, M S::*member) {
  static_assert(is_optional_v<M>, "field::optional is for std::optional members");
  return {name, member};
}
}  // namespace field

}  // namespace sluice::k8s
