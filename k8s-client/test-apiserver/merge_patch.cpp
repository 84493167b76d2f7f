#include "k8s-client/test-apiserver/merge_patch.hpp"

namespace sluice::apiserver {

void apply_merge_patch(rapidjson::Value& target, const rapidjson::Value& patch,
                       rapidjson::Document::AllocatorType& allocator) {
  if (!patch.IsObject()) {
    target.CopyFrom(patch, allocator);
    return;
  }
  if (!target.IsObject()) target.SetObject();
  for (const auto& member : patch.GetObject()) {
    auto existing = target.FindMember(member.name);
    if (member.value.IsNull()) {
      if (existing != target.MemberEnd()) target.RemoveMember(existing);
      continue;
    }
    if (existing == target.MemberEnd()) {
      rapidjson::Value name(member.name, allocator);
      rapidjson::Value value(rapidjson::kObjectType);
      apply_merge_patch(value, member.value, allocator);
      target.AddMember(name, value, allocator);
    } else {
      apply_merge_patch(existing->value, member.value, allocator);
    }
  }
}

}  // namespace sluice::apiserver
