#include "bgpd/config/json_reader.hpp"

#include <algorithm>
#include <cctype>

namespace sluice::bgp::config::json {
namespace {

std::size_t edit_distance(std::string_view a, std::string_view b) {
  std::vector<std::size_t> row(b.size() + 1);
  for (std::size_t j = 0; j <= b.size(); ++j) row[j] = j;
  for (std::size_t i = 1; i <= a.size(); ++i) {
    std::size_t diagonal = row[0];
    row[0] = i;
    for (std::size_t j = 1; j <= b.size(); ++j) {
      std::size_t above = row[j];
      row[j] = std::min({row[j] + 1, row[j - 1] + 1, diagonal + (a[i - 1] == b[j - 1] ? 0 : 1)});
      diagonal = above;
    }
  }
  return row[b.size()];
}

bool equal_ignoring_case(std::string_view a, std::string_view b) {
  return a.size() == b.size() && std::equal(a.begin(), a.end(), b.begin(), [](char x, char y) {
           return std::tolower(static_cast<unsigned char>(x)) == std::tolower(static_cast<unsigned char>(y));
         });
}

std::string_view key_of(const rapidjson::Value& name) { return {name.GetString(), name.GetStringLength()}; }

}  // namespace

std::string_view type_name(const rapidjson::Value& v) {
  if (v.IsNull()) return "null";
  if (v.IsBool()) return "a boolean";
  if (v.IsObject()) return "an object";
  if (v.IsArray()) return "an array";
  if (v.IsString()) return "a string";
  if (v.IsInt64() || v.IsUint64()) return "an integer";
  return "a number";
}

std::string_view suggest(std::string_view key, std::span<const std::string_view> known) {
  std::string_view best;
  std::size_t best_distance = 3;  // only near misses are worth suggesting
  for (auto k : known) {
    if (equal_ignoring_case(k, key)) return k;
    if (key.size() > 64) continue;  // a long key is no near miss; spare the quadratic work
    std::size_t d = edit_distance(key, k);
    if (d < best_distance) {
      best_distance = d;
      best = k;
    }
  }
  return best;
}

std::string join(std::string_view path, std::string_view key) {
  return path.empty() ? std::string(key) : fmt::format("{}.{}", path, key);
}

std::string index(std::string_view path, std::size_t i) { return fmt::format("{}[{}]", path, i); }

Result<std::string_view> as_string(const rapidjson::Value& v) {
  if (!v.IsString()) return Error{fmt::format("expected a string, got {}", type_name(v))};
  std::string_view s(v.GetString(), v.GetStringLength());
  if (s.find('\0') != std::string_view::npos) return Error{"contains a NUL character"};
  return s;
}

Object::Object(const rapidjson::Value& value, std::string path, std::span<const std::string_view> known,
               Errors& errors)
    : path_(std::move(path)), errors_(errors) {
  if (!errors_.ok()) return;
  if (!value.IsObject()) {
    errors_.fail(path_.empty() ? "the configuration" : path_, fmt::format("expected an object, got {}", type_name(value)));
    return;
  }
  for (auto m = value.MemberBegin(); m != value.MemberEnd(); ++m) {
    std::string_view key = key_of(m->name);
    if (std::find(known.begin(), known.end(), key) == known.end()) {
      // Keys are shown with their NULs and controls escaped away: they came from a file.
      std::string shown;
      for (char c : key.substr(0, 64)) shown.push_back(static_cast<unsigned char>(c) < 0x20 ? '?' : c);
      if (key.size() > 64) shown += "...";
      auto close = suggest(key, known);
      errors_.fail(join(path_, shown),
                   close.empty() ? std::string("unknown key") : fmt::format("unknown key (did you mean \"{}\"?)", close));
      return;
    }
    for (auto earlier = value.MemberBegin(); earlier != m; ++earlier) {
      if (key_of(earlier->name) == key) {
        errors_.fail(join(path_, key), "given twice");
        return;
      }
    }
  }
  value_ = &value;
}

const rapidjson::Value* Object::get(std::string_view key) const {
  if (!value_ || !errors_.ok()) return nullptr;
  const rapidjson::Value name(rapidjson::StringRef(key.data(), static_cast<rapidjson::SizeType>(key.size())));
  auto it = value_->FindMember(name);
  return it == value_->MemberEnd() ? nullptr : &it->value;
}

void Object::read(std::string_view key, bool& target) const {
  std::optional<bool> v;
  read(key, v);
  if (v) target = *v;
}

void Object::read(std::string_view key, std::optional<bool>& target) const {
  const rapidjson::Value* v = get(key);
  if (!v) return;
  if (!v->IsBool()) return errors_.fail(at(key), fmt::format("expected a boolean, got {}", type_name(*v)));
  target = v->GetBool();
}

std::optional<std::string_view> Object::string_value(const rapidjson::Value& v, const std::string& path) const {
  auto s = as_string(v);
  if (!s) {
    errors_.fail(path, s.error().message);
    return std::nullopt;
  }
  return *s;
}

void Object::read(std::string_view key, std::string& target, bool allow_empty) const {
  const rapidjson::Value* v = get(key);
  if (!v) return;
  auto s = string_value(*v, at(key));
  if (!s) return;
  if (!allow_empty && s->empty()) return errors_.fail(at(key), "must not be empty");
  target = std::string(*s);
}

void Object::read(std::string_view key, std::optional<std::string>& target, bool allow_empty) const {
  if (!has(key)) return;
  std::string s;
  read(key, s, allow_empty);
  if (errors_.ok()) target = std::move(s);
}

void Object::read(std::string_view key, std::optional<ip::Address>& target) const {
  const rapidjson::Value* v = get(key);
  if (!v) return;
  auto s = string_value(*v, at(key));
  if (!s) return;
  auto a = ip::Address::parse(*s);
  if (!a) return errors_.fail(at(key), a.error().message);
  target = *a;
}

void Object::read(std::string_view key, ip::Address& target) const {
  std::optional<ip::Address> v;
  read(key, v);
  if (v) target = *v;
}

void Object::read(std::string_view key, ip::Prefix& target) const {
  const rapidjson::Value* v = get(key);
  if (!v) return;
  auto s = string_value(*v, at(key));
  if (!s) return;
  auto p = ip::Prefix::parse(*s);
  if (!p) return errors_.fail(at(key), p.error().message);
  target = *p;
}

std::optional<std::int64_t> Object::integer(std::string_view key, std::int64_t min, std::int64_t max,
                                             std::string_view allowed) const {
  const rapidjson::Value* v = get(key);
  if (!v) return std::nullopt;
  const std::string range = allowed.empty() ? fmt::format("{}..{}", min, max) : std::string(allowed);
  if (v->IsInt64()) {
    std::int64_t n = v->GetInt64();
    if (n >= min && n <= max) return n;
    errors_.fail(at(key), fmt::format("{} is not allowed ({})", n, range));
    return std::nullopt;
  }
  if (v->IsUint64()) {  // above INT64_MAX: always out of range
    errors_.fail(at(key), fmt::format("{} is not allowed ({})", v->GetUint64(), range));
    return std::nullopt;
  }
  errors_.fail(at(key), fmt::format("expected an integer, got {}", type_name(*v)));
  return std::nullopt;
}

std::optional<std::size_t> Object::choice(std::string_view key, std::initializer_list<std::string_view> choices) const {
  const rapidjson::Value* v = get(key);
  if (!v) return std::nullopt;
  auto s = string_value(*v, at(key));
  if (!s) return std::nullopt;
  std::size_t i = 0;
  for (auto c : choices) {
    if (c == *s) return i;
    ++i;
  }
  std::string list;
  for (auto c : choices) list += fmt::format("{}\"{}\"", list.empty() ? "" : ", ", c);
  errors_.fail(at(key), fmt::format("\"{}\" is not one of {}", s->substr(0, 64), list));
  return std::nullopt;
}

const rapidjson::Value* Object::array(std::string_view key) const {
  const rapidjson::Value* v = get(key);
  if (!v) return nullptr;
  if (!v->IsArray()) {
    errors_.fail(at(key), fmt::format("expected an array, got {}", type_name(*v)));
    return nullptr;
  }
  return v;
}

void Object::integers(std::string_view key, std::vector<std::uint32_t>& target, std::int64_t min, std::int64_t max,
                      std::string_view allowed) const {
  const rapidjson::Value* v = get(key);
  if (!v) return;
  const std::string range = allowed.empty() ? fmt::format("{}..{}", min, max) : std::string(allowed);
  auto one = [&](const rapidjson::Value& e, const std::string& where) {
    if (!e.IsInt64() && !e.IsUint64()) {
      errors_.fail(where, fmt::format("expected an integer, got {}", type_name(e)));
      return false;
    }
    if (!e.IsInt64() || e.GetInt64() < min || e.GetInt64() > max) {
      errors_.fail(where, e.IsInt64() ? fmt::format("{} is not allowed ({})", e.GetInt64(), range)
                                      : fmt::format("{} is not allowed ({})", e.GetUint64(), range));
      return false;
    }
    target.push_back(static_cast<std::uint32_t>(e.GetInt64()));
    return true;
  };
  target.clear();
  if (v->IsArray()) {
    for (rapidjson::SizeType i = 0; i < v->Size(); ++i) {
      if (!one((*v)[i], index(at(key), i))) return;
    }
  } else if (v->IsNumber()) {
    one(*v, at(key));
  } else {
    errors_.fail(at(key), fmt::format("expected an integer or an array of integers, got {}", type_name(*v)));
  }
}

}  // namespace sluice::bgp::config::json
