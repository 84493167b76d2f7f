// Kubernetes label selectors (equality- and set-based) and the field selectors the
// test server supports (metadata.name, metadata.namespace), parsed with precise errors.
#pragma once

#include <map>
#include <string>
#include <string_view>
#include <vector>

#include <rapidjson/document.h>

#include "base/result.hpp"

namespace sluice::apiserver {

class LabelSelector {
 public:
  // "" selects everything.
  static Result<LabelSelector> parse(std::string_view text);
  bool matches(const std::map<std::string, std::string, std::less<>>& labels) const;
  bool empty() const { return requirements_.empty(); }

 private:
  enum class Op { exists, not_exists, equals, not_equals, in, not_in };
  struct Requirement {
    std::string key;
    Op op;
    std::vector<std::string> values;
  };
  std::vector<Requirement> requirements_;
};

class FieldSelector {
 public:
  // Every kind supports metadata.name and metadata.namespace; `kind` adds the fields the
  // real server indexes for it (Pod: spec.nodeName, status.phase, ...). Others are refused
  // as the real server refuses them.
  static Result<FieldSelector> parse(std::string_view text, std::string_view kind = {});
  // `object` is a whole resource; a field it lacks reads as "".
  bool matches(const rapidjson::Value& object) const;
  bool empty() const { return terms_.empty(); }

 private:
  struct Term {
    std::string field;
    bool equals;
    std::string value;
  };
  std::vector<Term> terms_;
};

// metadata.labels of an object (missing or malformed labels read as none).
std::map<std::string, std::string, std::less<>> labels_of(const rapidjson::Value& object);

}  // namespace sluice::apiserver
