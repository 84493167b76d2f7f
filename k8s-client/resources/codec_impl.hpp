// The generic decoder and encoder behind codec.hpp, driven by the field tables. Included
// only by the .cpp files that instantiate the codec for their resource types
// (SLUICE_K8S_CODEC_FOR at the end).
#pragma once

#include <array>
#include <concepts>
#include <cstdint>
#include <initializer_list>
#include <limits>
#include <span>
#include <string>
#include <string_view>
#include <tuple>
#include <utility>

#include <fmt/format.h>
#include <rapidjson/document.h>

#include "base/json/json.hpp"
#include "k8s-client/resources/codec.hpp"
#include "k8s-client/resources/int_or_string.hpp"

namespace sluice::k8s::codec {

using Allocator = rapidjson::Document::AllocatorType;

// Where a value sits in the document ("spec.attributes[2].secondary[\"pod\"]"), built on
// the stack as the decoder descends and formatted only when an error is reported.
class Path {
 public:
  Path() = default;
  Path member(std::string_view name) const { return {this, Step::member, name, 0}; }
  Path index(std::size_t i) const { return {this, Step::index, {}, i}; }
  Path key(std::string_view key) const { return {this, Step::key, key, 0}; }
  bool is_root() const { return step_ == Step::root; }
  std::string str() const;

 private:
  enum class Step { root, member, index, key };
  Path(const Path* parent, Step step, std::string_view text, std::size_t index)
      : parent_(parent), step_(step), text_(text), index_(index) {}
  const Path* parent_ = nullptr;
  Step step_ = Step::root;
  std::string_view text_;
  std::size_t index_ = 0;
};

// "<path>: <what>", or just <what> at the root.
Error error_at(const Path& path, std::string_view what);
// "<path>: expected <expected>, got <a string|an array|...>"
Error type_error(const Path& path, std::string_view expected, const rapidjson::Value& got);
std::string_view view(const rapidjson::Value& string);

// The member called `name`; nullptr when absent; an error when the object has it twice
// (readers that take the first and the last copy would disagree on the object).
Result<const rapidjson::Value*> unique_member(const rapidjson::Value& object, std::string_view name,
                                             const Path& member_path);
// apiVersion or kind: may be absent; when present, must be a string equal to `expected`.
Status check_type_member(const rapidjson::Value& object, std::string_view name, std::string_view expected,
                         const Path& path);
// The members of `object` whose names are in neither list.
UnknownFields collect_unknown(const rapidjson::Value& object, std::span<const std::string_view> modeled,
                              std::initializer_list<std::string_view> also_known);
const rapidjson::Value& empty_object();

Status read_string(const rapidjson::Value& in, std::string& out, const Path& path);
Status read_bool(const rapidjson::Value& in, bool& out, const Path& path);
Status read_int_or_string(const rapidjson::Value& in, IntOrString& out, const Path& path);

template <std::integral I>
Status read_integer(const rapidjson::Value& in, I& out, const Path& path) {
  if (!in.IsNumber()) return type_error(path, "an integer", in);
  if (in.IsInt64()) {
    if (std::in_range<I>(in.GetInt64())) {
      out = static_cast<I>(in.GetInt64());
      return {};
    }
  } else if (in.IsUint64()) {
    if (std::in_range<I>(in.GetUint64())) {
      out = static_cast<I>(in.GetUint64());
      return {};
    }
  } else {
    return error_at(path, fmt::format("expected an integer, got {}", json::serialize(in)));
  }
  return error_at(path, fmt::format("{} is out of range ({} to {})", json::serialize(in),
                                    +std::numeric_limits<I>::min(), +std::numeric_limits<I>::max()));
}

template <class M>
Status read_value(const rapidjson::Value& in, M& out, const Path& path);
template <Modeled S>
Status read_struct(const rapidjson::Value& in, S& out, const Path& path,
                   std::initializer_list<std::string_view> also_known);
template <class M>
rapidjson::Value write_value(const M& in, Allocator& allocator);
template <Modeled S>
void write_members(const S& in, rapidjson::Value& out, Allocator& allocator);

template <Modeled S>
constexpr auto field_names() {
  return std::apply([](const auto&... f) { return std::array<std::string_view, sizeof...(f)>{f.name...}; },
                    FieldTable<S>::fields);
}

template <class S, class M, Presence P>
Status read_field(const rapidjson::Value& object, S& out, const Field<S, M, P>& field, const Path& path) {
  const Path here = path.member(field.name);
  auto found = unique_member(object, field.name, here);
  if (!found) return found.error();
  M& target = out.*field.member;
  const rapidjson::Value* value = *found;
  if (value && (P == Presence::required || !value->IsNull())) return read_value(*value, target, here);
  if constexpr (P == Presence::required) {
    return error_at(here, "missing");
  } else if constexpr (Modeled<M>) {
    return read_struct(empty_object(), target, here, {});  // reports the absent struct's own required members
  } else {
    target = M{};
    return {};
  }
}

template <Modeled S>
Status read_struct(const rapidjson::Value& in, S& out, const Path& path,
                   std::initializer_list<std::string_view> also_known) {
  if (!in.IsObject()) return type_error(path, "an object", in);
  Status status;
  std::apply([&](const auto&... f) { (void)((status = read_field(in, out, f, path)).ok() && ...); },
             FieldTable<S>::fields);
  if (!status) return status;
  static constexpr auto names = field_names<S>();
  out.unknown = collect_unknown(in, names, also_known);
  return {};
}

template <class M>
Status read_value(const rapidjson::Value& in, M& out, const Path& path) {
  if constexpr (std::is_same_v<M, std::string>) {
    return read_string(in, out, path);
  } else if constexpr (std::is_same_v<M, bool>) {
    return read_bool(in, out, path);
  } else if constexpr (std::is_integral_v<M>) {
    return read_integer(in, out, path);
  } else if constexpr (std::is_same_v<M, IntOrString>) {
    return read_int_or_string(in, out, path);
  } else if constexpr (is_optional_v<M>) {
    if (in.IsNull()) {
      out.reset();
      return {};
    }
    return read_value(in, out.emplace(), path);
  } else if constexpr (is_vector_v<M>) {
    if (!in.IsArray()) return type_error(path, "an array", in);
    out.clear();
    out.resize(in.Size());
    for (rapidjson::SizeType i = 0; i < in.Size(); ++i) {
      if (auto s = read_value(in[i], out[i], path.index(i)); !s) return s;
    }
    return {};
  } else if constexpr (is_string_map_v<M>) {
    if (!in.IsObject()) return type_error(path, "an object", in);
    out.clear();
    for (const auto& m : in.GetObject()) {
      const Path here = path.key(view(m.name));
      auto [it, inserted] = out.try_emplace(std::string(view(m.name)));
      if (!inserted) return error_at(here, "duplicate key");
      if (auto s = read_value(m.value, it->second, here); !s) return s;
    }
    return {};
  } else {
    static_assert(Modeled<M>, "no JSON mapping for this member type");
    return read_struct(in, out, path, {});
  }
}

template <class S, class M, Presence P>
void write_field(const S& in, const Field<S, M, P>& field, rapidjson::Value& out, Allocator& allocator) {
  const M& value = in.*field.member;
  // Table names are string literals, so the document may refer to them.
  rapidjson::Value name(rapidjson::StringRef(field.name.data(), static_cast<rapidjson::SizeType>(field.name.size())));
  if constexpr (P == Presence::optional) {
    if (value) out.AddMember(name, write_value(*value, allocator), allocator);
  } else if constexpr (P == Presence::omit_empty) {
    if (!(value == M{})) out.AddMember(name, write_value(value, allocator), allocator);
  } else {
    out.AddMember(name, write_value(value, allocator), allocator);
  }
}

template <Modeled S>
void write_members(const S& in, rapidjson::Value& out, Allocator& allocator) {
  std::apply([&](const auto&... f) { (write_field(in, f, out, allocator), ...); }, FieldTable<S>::fields);
  if (const rapidjson::Value* unknown = in.unknown.members()) {
    for (const auto& m : unknown->GetObject()) {
      out.AddMember(rapidjson::Value(m.name, allocator), rapidjson::Value(m.value, allocator), allocator);
    }
  }
}

template <class M>
rapidjson::Value write_value(const M& in, Allocator& allocator) {
  if constexpr (std::is_same_v<M, std::string>) {
    return rapidjson::Value(in.data(), static_cast<rapidjson::SizeType>(in.size()), allocator);
  } else if constexpr (std::is_same_v<M, bool>) {
    return rapidjson::Value(in);
  } else if constexpr (std::is_integral_v<M> && std::is_signed_v<M>) {
    return rapidjson::Value(static_cast<std::int64_t>(in));
  } else if constexpr (std::is_integral_v<M>) {
    return rapidjson::Value(static_cast<std::uint64_t>(in));
  } else if constexpr (std::is_same_v<M, IntOrString>) {
    return in.is_int() ? write_value(in.int_value(), allocator) : write_value(in.string_value(), allocator);
  } else if constexpr (is_optional_v<M>) {
    return in ? write_value(*in, allocator) : rapidjson::Value();  // null, inside arrays
  } else if constexpr (is_vector_v<M>) {
    rapidjson::Value out(rapidjson::kArrayType);
    out.Reserve(static_cast<rapidjson::SizeType>(in.size()), allocator);
    for (const auto& v : in) out.PushBack(write_value(v, allocator), allocator);
    return out;
  } else if constexpr (is_string_map_v<M>) {
    rapidjson::Value out(rapidjson::kObjectType);
    for (const auto& [k, v] : in) out.AddMember(write_value(k, allocator), write_value(v, allocator), allocator);
    return out;
  } else {
    static_assert(Modeled<M>, "no JSON mapping for this member type");
    rapidjson::Value out(rapidjson::kObjectType);
    write_members(in, out, allocator);
    return out;
  }
}

template <Resource T>
Result<T> decode_object(const rapidjson::Value& in, const Path& path) {
  if (!in.IsObject()) return type_error(path, "an object", in);
  if (auto s = check_type_member(in, "apiVersion", T::resource.api_version, path); !s) return s.error();
  if (auto s = check_type_member(in, "kind", T::resource.kind, path); !s) return s.error();
  T out;
  if (auto s = read_struct(in, out, path, {"apiVersion", "kind"}); !s) return s.error();
  return out;
}

}  // namespace sluice::k8s::codec

namespace sluice::k8s {

template <Resource T>
Result<T> decode(const rapidjson::Value& object) {
  return codec::decode_object<T>(object, codec::Path());
}

template <Resource T>
Result<T> decode(std::string_view json) {
  auto doc = parse_json(json);
  if (!doc) return doc.error();
  return decode<T>(static_cast<const rapidjson::Value&>(*doc));
}

template <Resource T>
std::string encode(const T& object) {
  rapidjson::Document doc(rapidjson::kObjectType);
  auto& allocator = doc.GetAllocator();
  auto literal = [](std::string_view s) {
    return rapidjson::Value(rapidjson::StringRef(s.data(), static_cast<rapidjson::SizeType>(s.size())));
  };
  doc.AddMember(literal("apiVersion"), literal(T::resource.api_version), allocator);
  doc.AddMember(literal("kind"), literal(T::resource.kind), allocator);
  codec::write_members(object, doc, allocator);
  return json::serialize(doc);
}

template <Resource T>
Result<ObjectList<T>> decode_list(const rapidjson::Value& list) {
  const codec::Path root;
  if (!list.IsObject()) return codec::type_error(root, "an object", list);
  if (auto s = codec::check_type_member(list, "apiVersion", T::resource.api_version, root); !s) return s.error();
  if (auto s = codec::check_type_member(list, "kind", T::resource.list_kind, root); !s) return s.error();
  ObjectList<T> out;
  const codec::Path metadata_path = root.member("metadata");
  auto metadata = codec::unique_member(list, "metadata", metadata_path);
  if (!metadata) return metadata.error();
  if (*metadata && !(*metadata)->IsNull()) {
    if (auto s = codec::read_struct(**metadata, out.metadata, metadata_path, {}); !s) return s.error();
  }
  const codec::Path items_path = root.member("items");
  auto items = codec::unique_member(list, "items", items_path);
  if (!items) return items.error();
  if (*items && !(*items)->IsNull()) {
    if (!(*items)->IsArray()) return codec::type_error(items_path, "an array", **items);
    out.items.reserve((*items)->Size());
    for (rapidjson::SizeType i = 0; i < (*items)->Size(); ++i) {
      auto item = codec::decode_object<T>((**items)[i], items_path.index(i));
      if (!item) return item.error();
      out.items.push_back(std::move(*item));
    }
  }
  return out;
}

template <Resource T>
Result<ObjectList<T>> decode_list(std::string_view json) {
  auto doc = parse_json(json);
  if (!doc) return doc.error();
  return decode_list<T>(static_cast<const rapidjson::Value&>(*doc));
}

}  // namespace sluice::k8s

// Explicit instantiations of the codec for one resource type, in namespace sluice::k8s.
#define SLUICE_K8S_CODEC_FOR(T)                                                \
  template Result<T> decode<T>(std::string_view);                              \
  template Result<T> decode<T>(const rapidjson::Value&);                       \
  template std::string encode<T>(const T&);                                    \
  template Result<ObjectList<T>> decode_list<T>(std::string_view);             \
  template Result<ObjectList<T>> decode_list<T>(const rapidjson::Value&);
