#include <doctest/doctest.h>

#include <algorithm>
#include <map>
#include <random>
#include <vector>

#include "base/ip/prefix_trie.hpp"

using sluice::ip::Address;
using sluice::ip::Prefix;
using sluice::ip::PrefixTrie;

namespace {
Prefix P(std::string_view text) {
  auto r = Prefix::parse(text);
  REQUIRE_MESSAGE(r.ok(), r.error().message);
  return *r;
}
std::vector<std::string> covered(const PrefixTrie<int>& t, std::string_view p) {
  std::vector<std::string> out;
  t.for_each_covered(P(p), [&](const Prefix& q, const int&) { out.push_back(q.to_string()); });
  return out;
}
std::vector<std::string> covering(const PrefixTrie<int>& t, std::string_view p) {
  std::vector<std::string> out;
  t.for_each_covering(P(p), [&](const Prefix& q, const int&) { out.push_back(q.to_string()); });
  return out;
}
}  // namespace

TEST_CASE("insert, find, replace, erase") {
  PrefixTrie<int> t;
  CHECK(t.insert_or_assign(P("10.0.0.0/8"), 1));
  CHECK(t.insert_or_assign(P("10.1.0.0/16"), 2));
  CHECK(t.insert_or_assign(P("10.2.0.0/16"), 3));  // forces a glue node at 10.0.0.0/14
  CHECK_FALSE(t.insert_or_assign(P("10.1.0.0/16"), 20));
  CHECK(t.size() == 3);
  CHECK(*t.find(P("10.1.0.0/16")) == 20);
  CHECK(t.find(P("10.0.0.0/14")) == nullptr);  // glue nodes hold no value
  CHECK(t.find(P("10.0.0.0/16")) == nullptr);
  CHECK(t.erase(P("10.1.0.0/16")));
  CHECK_FALSE(t.erase(P("10.1.0.0/16")));
  CHECK_FALSE(t.erase(P("10.0.0.0/14")));
  CHECK(t.size() == 2);
  CHECK(*t.find(P("10.2.0.0/16")) == 3);
  CHECK(t.erase(P("10.0.0.0/8")));
  CHECK(t.erase(P("10.2.0.0/16")));
  CHECK(t.empty());
}

TEST_CASE("longest-prefix match") {
  PrefixTrie<int> t;
  t.insert_or_assign(P("0.0.0.0/0"), 0);
  t.insert_or_assign(P("10.0.0.0/8"), 8);
  t.insert_or_assign(P("10.244.1.0/26"), 26);
  t.insert_or_assign(P("fd00::/8"), 6);
  CHECK(t.longest_match(*Address::parse("10.244.1.5"))->value == 26);
  CHECK(t.longest_match(*Address::parse("10.244.1.64"))->value == 8);
  CHECK(t.longest_match(*Address::parse("192.0.2.1"))->value == 0);
  CHECK(t.longest_match(*Address::parse("fd12::1"))->prefix.to_string() == "fd00::/8");
  CHECK_FALSE(t.longest_match(*Address::parse("2001:db8::1")).has_value());
  CHECK(t.longest_match(P("10.244.1.0/26"))->value == 26);
  CHECK(t.longest_match(P("10.244.1.0/25"))->value == 8);
}

TEST_CASE("covering and covered queries") {
  PrefixTrie<int> t;
  for (auto p : {"10.0.0.0/8", "10.244.0.0/16", "10.244.1.0/26", "10.244.1.64/26", "10.245.0.0/16", "11.0.0.0/8"}) {
    t.insert_or_assign(P(p), 0);
  }
  CHECK(covering(t, "10.244.1.64/26") == std::vector<std::string>{"10.0.0.0/8", "10.244.0.0/16", "10.244.1.64/26"});
  CHECK(covering(t, "10.244.1.64/27") == std::vector<std::string>{"10.0.0.0/8", "10.244.0.0/16", "10.244.1.64/26"});
  CHECK(covered(t, "10.244.0.0/16") == std::vector<std::string>{"10.244.0.0/16", "10.244.1.0/26", "10.244.1.64/26"});
  CHECK(covered(t, "10.244.1.0/24") == std::vector<std::string>{"10.244.1.0/26", "10.244.1.64/26"});
  CHECK(covered(t, "10.0.0.0/7").size() == 6);
  CHECK(covered(t, "12.0.0.0/8").empty());
  CHECK(covered(t, "::/0").empty());
}

// Differential test against a brute-force model: random prefixes from a small space so
// that nesting, glue nodes and erasure paths all occur often.
TEST_CASE("randomized operations agree with a brute-force model") {
  std::mt19937 rng(12345);
  for (int family = 0; family < 2; ++family) {
    PrefixTrie<int> trie;
    std::map<Prefix, int> model;
    auto random_prefix = [&]() {
      if (family == 0) {
        auto len = static_cast<int>(rng() % 33);
        auto addr = Address::v4(static_cast<std::uint32_t>(rng()) & 0xff0f00ffu).masked(len);
        return *Prefix::make(addr, len);
      }
      std::array<std::uint8_t, 16> b{};
      b[0] = 0xfd;
      b[1] = static_cast<std::uint8_t>(rng() & 0x0f);
      b[15] = static_cast<std::uint8_t>(rng());
      auto len = static_cast<int>(rng() % 129);
      return *Prefix::make(Address::v6(b).masked(len), len);
    };
    for (int step = 0; step < 20000; ++step) {
      Prefix p = random_prefix();
      int op = static_cast<int>(rng() % 10);
      if (op < 5) {
        bool added = trie.insert_or_assign(p, step);
        CHECK(added == (model.find(p) == model.end()));
        model[p] = step;
      } else if (op < 8) {
        CHECK(trie.erase(p) == (model.erase(p) == 1));
      } else {
        // Longest match and covered against brute force.
        const Prefix* best = nullptr;
        for (auto& [q, v] : model) {
          if (q.contains(p) && (!best || q.length() > best->length())) best = &q;
        }
        auto got = trie.longest_match(p);
        CHECK(got.has_value() == (best != nullptr));
        if (got && best) CHECK(got->prefix == *best);
        std::vector<Prefix> expect, actual;
        for (auto& [q, v] : model) {
          if (p.contains(q)) expect.push_back(q);
        }
        trie.for_each_covered(p, [&](const Prefix& q, const int&) { actual.push_back(q); });
        CHECK(actual == expect);
      }
      REQUIRE(trie.size() == model.size());
    }
    std::vector<Prefix> all;
    trie.for_each([&](const Prefix& q, const int& v) {
      all.push_back(q);
      CHECK(model.at(q) == v);
    });
    CHECK(all.size() == model.size());
    CHECK(std::is_sorted(all.begin(), all.end()));
  }
}
