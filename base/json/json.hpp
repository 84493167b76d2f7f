// RapidJSON with precise errors: parsing reports the offset and reason, and typed
// field access names the field path and the type found ("spec.blockSize: expected an
// integer, got a string").
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

#include <rapidjson/document.h>

#include "base/result.hpp"

namespace sluice::json {

Result<rapidjson::Document> parse(std::string_view text);
std::string serialize(const rapidjson::Value& value);

// "an object", "a string", ... for error messages.
std::string_view type_name(const rapidjson::Value& value);

// Member access for objects; `path` is the dotted path of `object` itself, used in errors.
const rapidjson::Value* find(const rapidjson::Value& object, std::string_view member);
Result<std::string_view> get_string(const rapidjson::Value& object, std::string_view member, std::string_view path);
Result<const rapidjson::Value*> get_object(const rapidjson::Value& object, std::string_view member,
                                           std::string_view path);
// An integer written as a JSON number or, as etcd and Kubernetes do for 64-bit values,
// as a decimal string.
Result<std::int64_t> get_int64(const rapidjson::Value& object, std::string_view member, std::string_view path);

// Sets object[member] = value (copying strings into the document's allocator).
void set_string(rapidjson::Value& object, std::string_view member, std::string_view value,
                rapidjson::Document::AllocatorType& allocator);
// The object at object[member], created empty when absent (or replaced when not an object).
rapidjson::Value& ensure_object(rapidjson::Value& object, std::string_view member,
                                rapidjson::Document::AllocatorType& allocator);

}  // namespace sluice::json
