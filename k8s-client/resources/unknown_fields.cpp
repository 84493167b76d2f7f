#include "k8s-client/resources/unknown_fields.hpp"

#include <string_view>

namespace sluice::k8s {
namespace {

std::string_view text(const rapidjson::Value& s) { return {s.GetString(), s.GetStringLength()}; }

bool same_json(const rapidjson::Value& a, const rapidjson::Value& b) {
  if (a.IsObject() || b.IsObject()) {
    if (!a.IsObject() || !b.IsObject() || a.MemberCount() != b.MemberCount()) return false;
    for (auto x = a.MemberBegin(), y = b.MemberBegin(); x != a.MemberEnd(); ++x, ++y) {
      if (text(x->name) != text(y->name) || !same_json(x->value, y->value)) return false;
    }
    return true;
  }
  if (a.IsArray() || b.IsArray()) {
    if (!a.IsArray() || !b.IsArray() || a.Size() != b.Size()) return false;
    for (rapidjson::SizeType i = 0; i < a.Size(); ++i) {
      if (!same_json(a[i], b[i])) return false;
    }
    return true;
  }
  if (a.IsString() && b.IsString()) return text(a) == text(b);  // embedded NULs count
  return a == b;
}

}  // namespace

UnknownFields::UnknownFields(std::shared_ptr<const rapidjson::Document> members) {
  if (members && members->IsObject() && members->MemberCount() > 0) members_ = std::move(members);
}

bool operator==(const UnknownFields& a, const UnknownFields& b) {
  if (a.empty() || b.empty()) return a.empty() == b.empty();
  return same_json(*a.members(), *b.members());
}

}  // namespace sluice::k8s
