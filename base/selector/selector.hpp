// Calico's label selector language (IPPool nodeSelector/namespaceSelector, BGPPeer
// nodeSelector/peerSelector, policy selectors): parsed once into a compact tree, then
// matched against label maps without allocating, and printed in Calico's canonical form.
#pragma once

#include <cstddef>
#include <cstdint>
#include <map>
#include <string>
#include <string_view>
#include <vector>

#include "base/result.hpp"

namespace sluice::selector {

// Parentheses nested deeper than this are refused, so that parsing, matching and printing
// (all recursive) stay within a small stack whatever the input. Calico has no limit; no
// real selector comes near it.
inline constexpr int max_nesting = 128;

class Selector {
 public:
  // all(): matches every label set. An empty selector means the same.
  Selector();

  bool matches(const std::map<std::string, std::string>& labels) const;

  // The canonical text, byte for byte what Calico's Selector.String() prints: "" becomes
  // "all()", spacing is normalised, every && and || group is parenthesised (the top
  // level too), set members are sorted and deduplicated, strings are double-quoted unless
  // they contain a double quote. parse(to_string()) gives back an equal selector.
  std::string to_string() const;

  // Exactly all() (or empty): matches everything without looking at labels.
  bool is_all() const;
  // Exactly global(). It matches every label set, but Calico policy rules give a
  // namespaceSelector of global() its own meaning (non-namespaced resources only).
  bool is_global() const;

  // Structural equality of the parsed trees; equal selectors print the same text.
  friend bool operator==(const Selector&, const Selector&) = default;

 private:
  friend class Parser;

  enum class Op : std::uint8_t {
    all,
    global,
    has,
    eq,
    ne,
    contains,
    starts_with,
    ends_with,
    in,
    not_in,
    not_,
    and_,
    or_,
  };

  // Nodes live in one vector and refer to each other by index, so a Selector copies and
  // compares as a plain value and matching walks contiguous memory.
  struct Node {
    Op op = Op::all;
    std::uint32_t first = 0;  // not_: the operand's node; and_/or_: first index into operands_
    std::uint32_t count = 0;  // and_/or_: number of operands
    std::string label;
    std::string value;                // eq, ne, contains, starts_with, ends_with
    std::vector<std::string> values;  // in, not_in: sorted, without duplicates
    friend bool operator==(const Node&, const Node&) = default;
  };

  bool eval(std::uint32_t node, const std::map<std::string, std::string>& labels) const;
  void print(std::uint32_t node, std::string& out) const;

  std::vector<Node> nodes_;
  std::vector<std::uint32_t> operands_;
  std::uint32_t root_ = 0;
};

// Parses selector text as Calico does (libcalico-go/lib/selector): has(k), all(),
// global(), k == 'v', k != "v", k in {...}, k not in {...}, k contains / starts with /
// ends with 'v', !, &&, || and parentheses; && binds tighter than ||, ! tightest. Label
// keys are [A-Za-z0-9_./-]+; strings take single or double quotes and have no escapes;
// only spaces and tabs separate tokens. Errors quote the selector and give the byte offset
// of the problem and what was expected there.
Result<Selector> parse(std::string_view text);

}  // namespace sluice::selector
