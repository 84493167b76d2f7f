// JSON decoding and encoding of typed resources. Decoding checks every modeled member's
// type and names the path of the first bad one ("spec.blockSize: expected an integer, got
// a string"); encoding writes the modeled members plus every member that was not
// modeled, so an update never drops another writer's data.
//
// Instantiated for the resource types of resources.hpp.
#pragma once

#include <string>
#include <string_view>

#include <rapidjson/document.h>

#include "base/result.hpp"
#include "k8s-client/resources/resource_kind.hpp"

namespace sluice::k8s {

// apiVersion and kind may be absent (list items of built-in types omit them); when
// present they must be T's.
template <Resource T>
Result<T> decode(std::string_view json);
template <Resource T>
Result<T> decode(const rapidjson::Value& object);

template <Resource T>
std::string encode(const T& object);

// A LIST response: kind must be T's list kind; items are decoded as T, errors naming
// "items[i]. ...".
template <Resource T>
Result<ObjectList<T>> decode_list(std::string_view json);
template <Resource T>
Result<ObjectList<T>> decode_list(const rapidjson::Value& list);

// Parses text for the decoders: full-precision numbers (so a number survives a round
// trip bit for bit), valid UTF-8, and a bounded nesting depth (so hostile input cannot
// exhaust the stack).
Result<rapidjson::Document> parse_json(std::string_view text);
inline constexpr int kMaxJsonDepth = 100;

}  // namespace sluice::k8s
