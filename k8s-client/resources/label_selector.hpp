// metav1.LabelSelector, as NetworkPolicy uses it. An empty selector matches everything;
// where the API makes the selector itself optional, the holder uses std::optional, since
// absent and empty mean different things there.
#pragma once

#include <map>
#include <string>
#include <vector>

#include "k8s-client/resources/field_table.hpp"
#include "k8s-client/resources/unknown_fields.hpp"

namespace sluice::k8s {

struct LabelSelectorRequirement {
  std::string key;
  std::string operator_;  // In, NotIn, Exists, DoesNotExist
  std::vector<std::string> values;
  UnknownFields unknown;
  friend bool operator==(const LabelSelectorRequirement&, const LabelSelectorRequirement&) = default;
};
template <>
struct FieldTable<LabelSelectorRequirement> {
  using S = LabelSelectorRequirement;
  static constexpr auto fields = std::tuple{
      field::required("key", &S::key),
      field::required("operator", &S::operator_),
      field::omit_empty("values", &S::values),
  };
};

struct LabelSelector {
  std::map<std::string, std::string> match_labels;
  std::vector<LabelSelectorRequirement> match_expressions;
  UnknownFields unknown;
  friend bool operator==(const LabelSelector&, const LabelSelector&) = default;
};
template <>
struct FieldTable<LabelSelector> {
  using S = LabelSelector;
  static constexpr auto fields = std::tuple{
      field::omit_empty("matchLabels", &S::match_labels),
      field::omit_empty("matchExpressions", &S::match_expressions),
  };
};

}  // namespace sluice::k8s
