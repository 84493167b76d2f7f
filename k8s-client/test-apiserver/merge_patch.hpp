// JSON merge patch (RFC 7386), applied in place.
#pragma once

#include <rapidjson/document.h>

namespace sluice::apiserver {

void apply_merge_patch(rapidjson::Value& target, const rapidjson::Value& patch,
                       rapidjson::Document::AllocatorType& allocator);

}  // namespace sluice::apiserver
