// PrefixTrie<V>: a path-compressed binary trie from prefixes to values, one tree per
// address family. Longest-prefix match, covering (ancestors) and covered (descendants)
// queries for IPAM pools and blocks, policy CIDRs and the BGP RIB.
#pragma once

#include <algorithm>
#include <array>
#include <cstddef>
#include <memory>
#include <optional>
#include <utility>
#include <vector>

#include "base/ip/prefix.hpp"

namespace sluice::ip {

template <class V>
class PrefixTrie {
 public:
  struct Match {
    const Prefix& prefix;
    const V& value;
  };

  // Inserts or replaces. Returns true when the prefix was not present before.
  bool insert_or_assign(const Prefix& prefix, V value);
  // Removes the entry for exactly `prefix`. Returns true when one was removed.
  bool erase(const Prefix& prefix);

  V* find(const Prefix& prefix);
  const V* find(const Prefix& prefix) const;

  // The most specific entry containing `address`.
  std::optional<Match> longest_match(const Address& address) const;
  // The most specific entry containing `prefix` (an exact entry counts).
  std::optional<Match> longest_match(const Prefix& prefix) const;

  // Calls visit(prefix, value) for every entry that contains `prefix`, shortest first.
  template <class F>
  void for_each_covering(const Prefix& prefix, F&& visit) const;
  // Calls visit(prefix, value) for every entry inside `prefix`, in prefix order.
  template <class F>
  void for_each_covered(const Prefix& prefix, F&& visit) const;
  // Calls visit(prefix, value) for every entry, IPv4 first, in prefix order.
  template <class F>
  void for_each(F&& visit) const;

  std::size_t size() const { return size_; }
  bool empty() const { return size_ == 0; }
  void clear() {
    roots_[0].reset();
    roots_[1].reset();
    size_ = 0;
  }

 private:
  struct Node {
    explicit Node(const Prefix& p) : prefix(p) {}
    Prefix prefix;
    std::optional<V> value;  // empty for the glue nodes where two branches part
    std::array<std::unique_ptr<Node>, 2> child;
  };

  std::unique_ptr<Node>& root(Family f) { return roots_[f == Family::v4 ? 0 : 1]; }
  const std::unique_ptr<Node>& root(Family f) const { return roots_[f == Family::v4 ? 0 : 1]; }
  const Node* find_node(const Prefix& prefix) const;

  template <class F>
  static void walk(const Node* node, F& visit);

  std::array<std::unique_ptr<Node>, 2> roots_;
  std::size_t size_ = 0;
};

// ---- implementation ----------------------------------------------------------------------

template <class V>
bool PrefixTrie<V>::insert_or_assign(const Prefix& prefix, V value) {
  std::unique_ptr<Node>* link = &root(prefix.family());
  while (*link) {
    Node& node = **link;
    int common = std::min({node.prefix.network().common_bits(prefix.network()), node.prefix.length(),
                           prefix.length()});
    if (common == node.prefix.length() && common == prefix.length()) {
      bool added = !node.value.has_value();
      node.value = std::move(value);
      size_ += added ? 1 : 0;
      return added;
    }
    if (common == node.prefix.length()) {  // node contains prefix: descend
      link = &node.child[prefix.network().bit(common)];
      continue;
    }
    auto fresh = std::make_unique<Node>(prefix);
    fresh->value = std::move(value);
    if (common == prefix.length()) {  // prefix contains node: the new node goes above it
      bool side = node.prefix.network().bit(common);
      fresh->child[side] = std::move(*link);
      *link = std::move(fresh);
    } else {  // the two part ways below `common` bits: join them under a glue node
      auto glue = std::make_unique<Node>(*Prefix::make(prefix.network().masked(common), common));
      bool node_side = node.prefix.network().bit(common);
      glue->child[node_side] = std::move(*link);
      glue->child[!node_side] = std::move(fresh);
      *link = std::move(glue);
    }
    ++size_;
    return true;
  }
  *link = std::make_unique<Node>(prefix);
  (*link)->value = std::move(value);
  ++size_;
  return true;
}

template <class V>
bool PrefixTrie<V>::erase(const Prefix& prefix) {
  std::vector<std::unique_ptr<Node>*> path;  // links from the root down to the match
  std::unique_ptr<Node>* link = &root(prefix.family());
  while (*link && (*link)->prefix.contains(prefix)) {
    path.push_back(link);
    if ((*link)->prefix.length() == prefix.length()) break;
    link = &(*link)->child[prefix.network().bit((*link)->prefix.length())];
  }
  if (path.empty()) return false;
  std::unique_ptr<Node>& target = *path.back();
  if (target->prefix != prefix || !target->value) return false;
  target->value.reset();
  --size_;

  // Remove valueless nodes with fewer than two children, bottom-up: at most the
  // target and its parent glue can become redundant.
  for (int step = 0; step < 2 && !path.empty(); ++step) {
    std::unique_ptr<Node>& n = *path.back();
    if (n->value) break;
    int children = (n->child[0] ? 1 : 0) + (n->child[1] ? 1 : 0);
    if (children == 2) break;
    std::unique_ptr<Node> only = std::move(n->child[0] ? n->child[0] : n->child[1]);
    n = std::move(only);
    path.pop_back();
  }
  return true;
}

template <class V>
const typename PrefixTrie<V>::Node* PrefixTrie<V>::find_node(const Prefix& prefix) const {
  const Node* node = root(prefix.family()).get();
  while (node && node->prefix.contains(prefix)) {
    if (node->prefix.length() == prefix.length()) return node->value ? node : nullptr;
    node = node->child[prefix.network().bit(node->prefix.length())].get();
  }
  return nullptr;
}

template <class V>
V* PrefixTrie<V>::find(const Prefix& prefix) {
  const Node* node = find_node(prefix);
  return node ? const_cast<V*>(&*node->value) : nullptr;
}

template <class V>
const V* PrefixTrie<V>::find(const Prefix& prefix) const {
  const Node* node = find_node(prefix);
  return node ? &*node->value : nullptr;
}

template <class V>
auto PrefixTrie<V>::longest_match(const Address& address) const -> std::optional<Match> {
  return longest_match(Prefix::host(address));
}

template <class V>
auto PrefixTrie<V>::longest_match(const Prefix& prefix) const -> std::optional<Match> {
  // Covering entries are visited shortest first, so the last one is the most specific.
  const Prefix* best_prefix = nullptr;
  const V* best_value = nullptr;
  for_each_covering(prefix, [&](const Prefix& p, const V& v) {
    best_prefix = &p;
    best_value = &v;
  });
  if (!best_prefix) return std::nullopt;
  return Match{*best_prefix, *best_value};
}

template <class V>
template <class F>
void PrefixTrie<V>::for_each_covering(const Prefix& prefix, F&& visit) const {
  const Node* node = root(prefix.family()).get();
  while (node && node->prefix.contains(prefix)) {
    if (node->value) visit(node->prefix, *node->value);
    if (node->prefix.length() == prefix.length()) break;
    node = node->child[prefix.network().bit(node->prefix.length())].get();
  }
}

template <class V>
template <class F>
void PrefixTrie<V>::for_each_covered(const Prefix& prefix, F&& visit) const {
  const Node* node = root(prefix.family()).get();
  while (node) {
    if (prefix.contains(node->prefix)) {
      walk(node, visit);
      return;
    }
    if (!node->prefix.contains(prefix)) return;  // disjoint
    node = node->child[prefix.network().bit(node->prefix.length())].get();
  }
}

template <class V>
template <class F>
void PrefixTrie<V>::for_each(F&& visit) const {
  walk(roots_[0].get(), visit);
  walk(roots_[1].get(), visit);
}

template <class V>
template <class F>
void PrefixTrie<V>::walk(const Node* node, F& visit) {
  // Depth is bounded by the address length (at most 129 levels), so recursion is safe.
  if (!node) return;
  if (node->value) visit(node->prefix, *node->value);
  walk(node->child[0].get(), visit);
  walk(node->child[1].get(), visit);
}

}  // namespace sluice::ip
