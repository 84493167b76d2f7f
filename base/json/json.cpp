#include "base/json/json.hpp"

#include <charconv>

#include <fmt/format.h>
#include <rapidjson/error/en.h>
#include <rapidjson/stringbuffer.h>
#include <rapidjson/writer.h>

namespace sluice::json {
namespace {
std::string where(std::string_view path, std::string_view member) {
  return path.empty() ? std::string(member) : fmt::format("{}.{}", path, member);
}
rapidjson::Value key(std::string_view s, rapidjson::Document::AllocatorType& a) {
  return rapidjson::Value(s.data(), static_cast<rapidjson::SizeType>(s.size()), a);
}
}  // namespace

Result<rapidjson::Document> parse(std::string_view text) {
  rapidjson::Document doc;
  doc.Parse(text.data(), text.size());  // trailing non-whitespace is an error too
  if (doc.HasParseError()) {
    return Error{fmt::format("invalid JSON at offset {}: {}", doc.GetErrorOffset(),
                             rapidjson::GetParseError_En(doc.GetParseError()))};
  }
  return doc;
}

std::string serialize(const rapidjson::Value& value) {
  rapidjson::StringBuffer buffer;
  rapidjson::Writer<rapidjson::StringBuffer> writer(buffer);
  value.Accept(writer);
  return std::string(buffer.GetString(), buffer.GetSize());
}

std::string_view type_name(const rapidjson::Value& v) {
  if (v.IsNull()) return "null";
  if (v.IsBool()) return "a boolean";
  if (v.IsObject()) return "an object";
  if (v.IsArray()) return "an array";
  if (v.IsString()) return "a string";
  return "a number";
}

const rapidjson::Value* find(const rapidjson::Value& object, std::string_view member) {
  if (!object.IsObject()) return nullptr;
  // Through a Value: a bare StringRef converts to const char* and would be read up to a
  // NUL, past the end of a view into a longer string.
  const rapidjson::Value name(rapidjson::StringRef(member.data(), static_cast<rapidjson::SizeType>(member.size())));
  auto it = object.FindMember(name);
  return it == object.MemberEnd() ? nullptr : &it->value;
}

Result<std::string_view> get_string(const rapidjson::Value& object, std::string_view member, std::string_view path) {
  const rapidjson::Value* v = find(object, member);
  if (!v) return Error{fmt::format("{}: missing", where(path, member))};
  if (!v->IsString()) return Error{fmt::format("{}: expected a string, got {}", where(path, member), type_name(*v))};
  return std::string_view(v->GetString(), v->GetStringLength());
}

Result<const rapidjson::Value*> get_object(const rapidjson::Value& object, std::string_view member,
                                           std::string_view path) {
  const rapidjson::Value* v = find(object, member);
  if (!v) return Error{fmt::format("{}: missing", where(path, member))};
  if (!v->IsObject()) return Error{fmt::format("{}: expected an object, got {}", where(path, member), type_name(*v))};
  return v;
}

Result<std::int64_t> get_int64(const rapidjson::Value& object, std::string_view member, std::string_view path) {
  const rapidjson::Value* v = find(object, member);
  if (!v) return Error{fmt::format("{}: missing", where(path, member))};
  if (v->IsInt64()) return v->GetInt64();
  if (v->IsString()) {
    std::string_view s(v->GetString(), v->GetStringLength());
    std::int64_t out = 0;
    auto [ptr, ec] = std::from_chars(s.data(), s.data() + s.size(), out);
    if (ec == std::errc() && ptr == s.data() + s.size() && !s.empty()) return out;
    return Error{fmt::format("{}: \"{}\" is not a 64-bit integer", where(path, member), s)};
  }
  return Error{fmt::format("{}: expected an integer, got {}", where(path, member), type_name(*v))};
}

void set_string(rapidjson::Value& object, std::string_view member, std::string_view value,
                rapidjson::Document::AllocatorType& allocator) {
  rapidjson::Value v(value.data(), static_cast<rapidjson::SizeType>(value.size()), allocator);
  // Through a Value: a bare StringRef converts to const char* and would be read up to a
  // NUL, past the end of a view into a longer string.
  const rapidjson::Value name(rapidjson::StringRef(member.data(), static_cast<rapidjson::SizeType>(member.size())));
  auto it = object.FindMember(name);
  if (it != object.MemberEnd()) {
    it->value = std::move(v);
  } else {
    object.AddMember(key(member, allocator), std::move(v), allocator);
  }
}

rapidjson::Value& ensure_object(rapidjson::Value& object, std::string_view member,
                                rapidjson::Document::AllocatorType& allocator) {
  // Through a Value: a bare StringRef converts to const char* and would be read up to a
  // NUL, past the end of a view into a longer string.
  const rapidjson::Value name(rapidjson::StringRef(member.data(), static_cast<rapidjson::SizeType>(member.size())));
  auto it = object.FindMember(name);
  if (it == object.MemberEnd()) {
    object.AddMember(key(member, allocator), rapidjson::Value(rapidjson::kObjectType), allocator);
    return (object.MemberEnd() - 1)->value;  // AddMember appends
  }
  if (!it->value.IsObject()) it->value.SetObject();
  return it->value;
}

}  // namespace sluice::json
