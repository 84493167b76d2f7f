#include <doctest/doctest.h>

#include <map>
#include <string>
#include <vector>

#include "base/selector/selector.hpp"

using sluice::selector::parse;
using sluice::selector::Selector;
using Labels = std::map<std::string, std::string>;

namespace {
Selector S(std::string_view text) {
  auto r = parse(text);
  REQUIRE_MESSAGE(r.ok(), r.error().message);
  return *r;
}
std::string canonical(std::string_view text) {
  return S(text).to_string();
}
std::string parse_error(std::string_view text) {
  auto r = parse(text);
  REQUIRE_MESSAGE(!r.ok(), "expected a parse error for " << text);
  return r.error().message;
}
bool M(std::string_view text, const Labels& labels) {
  return S(text).matches(labels);
}
}  // namespace

TEST_CASE("empty and all() select everything") {
  for (auto text : {"", " ", "\t", "all()", " all( ) ", "(all())", "global()", " global(\t)"}) {
    CAPTURE(text);
    CHECK(M(text, {}));
    CHECK(M(text, {{"a", "b"}}));
  }
  CHECK(S("").to_string() == "all()");
  CHECK(S("") == Selector());
  CHECK(S("").is_all());
  CHECK(S(" (all() )").is_all());
  CHECK_FALSE(S("global()").is_all());
  CHECK(S("global()").is_global());
  CHECK(S("global()").to_string() == "global()");
  CHECK_FALSE(S("!all()").matches({}));
  CHECK_FALSE(S("!all()").is_all());
}

TEST_CASE("equality and inequality: a missing label fails == and passes !=") {
  CHECK(M("a == 'b'", {{"a", "b"}}));
  CHECK(M("a == \"b\"", {{"a", "b"}, {"c", "d"}}));
  CHECK_FALSE(M("a == 'b'", {}));
  CHECK_FALSE(M("a == 'b'", {{"a", "c"}}));
  CHECK_FALSE(M("a == 'b'", {{"c", "b"}}));
  CHECK(M("a == ''", {{"a", ""}}));
  CHECK_FALSE(M("a == ''", {}));

  CHECK(M("a != 'b'", {{"a", "c"}}));
  CHECK(M("a != 'b'", {}));
  CHECK_FALSE(M("a != 'b'", {{"a", "b"}}));
}

TEST_CASE("has() and !has()") {
  CHECK(M("has(a)", {{"a", ""}}));
  CHECK(M("has( a )", {{"a", "x"}}));
  CHECK_FALSE(M("has(a)", {{"b", "a"}}));
  CHECK(M("!has(a)", {{"b", "b"}}));
  CHECK_FALSE(M("!has(a)", {{"a", "b"}}));
  CHECK(M("has(projectcalico.org/name)", {{"projectcalico.org/name", "x"}}));
}

TEST_CASE("set membership: in needs the label, not in passes without it") {
  CHECK(M("a in {'x', 'y'}", {{"a", "x"}}));
  CHECK(M("a in {'x', 'y'}", {{"a", "y"}}));
  CHECK_FALSE(M("a in {'x', 'y'}", {{"a", "z"}}));
  CHECK_FALSE(M("a in {'x', 'y'}", {}));
  CHECK_FALSE(M("a in {}", {{"a", ""}}));
  CHECK(M("a in {\"'\", '\"', \"c\"}", {{"a", "'"}}));
  CHECK(M("a in {\"'\", '\"', \"c\"}", {{"a", "\""}}));

  CHECK(M("a not in {'x', 'y'}", {{"a", "z"}}));
  CHECK(M("a not in {'x', 'y'}", {}));
  CHECK_FALSE(M("a not in {'x', 'y'}", {{"a", "x"}}));
  CHECK(M("a not in {}", {{"a", "x"}}));
  // A trailing comma is accepted, as in Calico.
  CHECK(M("a in {'x',}", {{"a", "x"}}));
}

TEST_CASE("contains, starts with, ends with need the label") {
  CHECK(M("a contains 'a'", {{"a", "bab"}}));
  CHECK(M("a contains ''", {{"a", ""}}));
  CHECK_FALSE(M("a contains 'a'", {{"a", "b"}}));
  CHECK_FALSE(M("a contains 'a'", {{"b", "aaa"}}));
  CHECK_FALSE(M("a contains ''", {}));

  CHECK(M("a starts with 'ab'", {{"a", "abc"}}));
  CHECK_FALSE(M("a starts with 'ab'", {{"a", "cab"}}));
  CHECK_FALSE(M("a starts with 'ab'", {}));

  CHECK(M("a ends with 'bc'", {{"a", "abc"}}));
  CHECK_FALSE(M("a ends with 'bc'", {{"a", "bca"}}));
  CHECK_FALSE(M("a ends with 'bc'", {}));
}

TEST_CASE("operator words are matched as prefixes right after a label, as Calico does") {
  CHECK(canonical("a startswith 'x'") == "a starts with \"x\"");
  CHECK(canonical("a endswith 'x'") == "a ends with \"x\"");
  CHECK(canonical("a notin {'x'}") == "a not in {\"x\"}");
  CHECK(canonical("a not \t in {'x'}") == "a not in {\"x\"}");
  CHECK(canonical("a in{'x'}") == "a in {\"x\"}");
  CHECK(canonical("a contains'x'") == "a contains \"x\"");
  CHECK(canonical("a=='x'&&b!='y'") == "(a == \"x\" && b != \"y\")");
  // The same words elsewhere are plain label keys.
  CHECK(canonical("in == 'x'") == "in == \"x\"");
  CHECK(canonical("has == 'x'") == "has == \"x\"");
  CHECK(canonical("all == 'x' && contains != 'y'") == "(all == \"x\" && contains != \"y\")");
}

TEST_CASE("negation") {
  CHECK(M("!a == 'b'", {{"a", "c"}}));
  CHECK_FALSE(M("!a == 'b'", {{"a", "b"}}));
  CHECK(M("!a in {'a'}", {{"a", "b"}}));
  CHECK(M("!(has(b) || !has(a))", {{"a", "a"}}));
  // Runs of '!' collapse to one negation or none.
  CHECK(canonical("!!has(a)") == "has(a)");
  CHECK(canonical("!! ! has(a)") == "!has(a)");
  CHECK(canonical("! !!has(a)") == "!has(a)");
  CHECK_FALSE(M("!!!has(a)", {{"a", "b"}}));
  // Negations across parentheses cancel too, so the canonical text is a fixed point.
  CHECK(canonical("!(!has(a))") == "has(a)");
  CHECK(canonical("!(!(a == 'x' && b == 'y'))") == "(a == \"x\" && b == \"y\")");
  CHECK(canonical("!(!(!has(a)))") == "!has(a)");
}

TEST_CASE("precedence: ! binds tightest, then &&, then ||") {
  CHECK(canonical("a == 'x' || b == 'y' && c == 'z'") == "(a == \"x\" || (b == \"y\" && c == \"z\"))");
  CHECK(canonical("a == 'x' && b == 'y' || c == 'z'") == "((a == \"x\" && b == \"y\") || c == \"z\")");
  CHECK(canonical("(a == 'x' || b == 'y') && c == 'z'") == "((a == \"x\" || b == \"y\") && c == \"z\")");
  CHECK(canonical("!has(a) && has(b)") == "(!has(a) && has(b))");
  CHECK(canonical("!(has(a) && has(b))") == "!(has(a) && has(b))");
  CHECK(canonical("has(a) && has(b) && has(c)") == "(has(a) && has(b) && has(c))");
  // Parentheses group without flattening, as Calico prints them.
  CHECK(canonical("(has(a) && has(b)) && has(c)") == "((has(a) && has(b)) && has(c))");

  // a || (b && c), not (a || b) && c:
  CHECK(M("has(a) || has(b) && has(c)", {{"a", ""}}));
  CHECK_FALSE(M("(has(a) || has(b)) && has(c)", {{"a", ""}}));
  CHECK(M("has(a) && has(b) || has(c)", {{"c", ""}}));
  CHECK_FALSE(M("has(a) && (has(b) || has(c))", {{"c", ""}}));
  CHECK(M("!has(a) || has(b)", {}));
  CHECK_FALSE(M("!(has(a) || has(b))", {{"b", ""}}));

  Labels both{{"a", "a1"}, {"b", "b1"}};
  CHECK(M("a == 'a1' && b == 'b1'", both));
  CHECK_FALSE(M("a == 'a1' && b != 'b1'", both));
  CHECK(M("a == 'a1' || b != 'b1'", both));
  CHECK_FALSE(M("a != 'a1' || b != 'b1'", both));
  CHECK_FALSE(M("! a == 'a1' || ! b == 'b1'", both));
}

TEST_CASE("quoting: either quote, no escapes; canonical text prefers double quotes") {
  CHECK(canonical("a == 'x'") == "a == \"x\"");
  CHECK(canonical("a == \"'\"") == "a == \"'\"");
  CHECK(canonical("a == '\"'") == "a == '\"'");
  CHECK(canonical("a contains '\"'") == "a contains '\"'");
  CHECK(canonical("a!='\"'") == "a != '\"'");
  CHECK(canonical("a == 'x y\\n'") == "a == \"x y\\n\"");
  CHECK(M("a == 'x\\'", {{"a", "x\\"}}));
  CHECK(M("a == '&& || ( ) { }'", {{"a", "&& || ( ) { }"}}));
  CHECK(canonical("a in {\"'\", '\"', \"c\"}") == "a in {'\"', \"'\", \"c\"}");
}

TEST_CASE("canonical text: Calico's own examples") {
  CHECK(canonical("") == "all()");
  CHECK(canonical(" all() ") == "all()");
  CHECK(canonical(" (all() )") == "all()");
  CHECK(canonical("! (has( b)||! has(a ))") == "!(has(b) || !has(a))");
  CHECK(canonical("! (a == \"b\"&&! c != \"d\")") == "!(a == \"b\" && !c != \"d\")");
  CHECK(canonical("a in {\"d\"}") == "a in {\"d\"}");
  CHECK(canonical("a in {\"d\", \"a\", \"b\"}") == "a in {\"a\", \"b\", \"d\"}");
  CHECK(canonical("a in {\"z\", \"z\", \"x\", \"y\", \"x\", \"a\"}") == "a in {\"a\", \"x\", \"y\", \"z\"}");
  CHECK(canonical("a not in {}") == "a not in {}");
  CHECK(canonical("a in {'x',}") == "a in {\"x\"}");
  CHECK(canonical("\tkubernetes.io/os == 'linux'\t") == "kubernetes.io/os == \"linux\"");
}

TEST_CASE("label keys: letters, digits, '_', '.', '/', '-'") {
  CHECK(M("kubernetes.io/hostname == 'node-1'", {{"kubernetes.io/hostname", "node-1"}}));
  CHECK(M("-x_y.z/0 == 'v'", {{"-x_y.z/0", "v"}}));
  CHECK(M("123 == 'v'", {{"123", "v"}}));
  CHECK(M("has(a/b/c)", {{"a/b/c", ""}}));
  std::string long_key(2000, 'k');
  CHECK(M("has(" + long_key + ")", {{long_key, "v"}}));
}

TEST_CASE("canonical text parses back to an equal selector") {
  const std::vector<std::string> selectors = {
      "",
      "all()",
      "global()",
      "!all()",
      "has(a)",
      "!has(a)",
      "a == 'x'",
      "a != '\"'",
      "a contains 'x'",
      "a starts with \"'\"",
      "a ends with ''",
      "a in {'c', 'b', 'a', 'b'}",
      "a not in {}",
      "!(a == 'x' || b == 'y') && (c in {'1'} || !has(d)) && global()",
      "((((has(a)))))",
      "!(!(has(a) && has(b)))",
      "a == 'x' || b == 'y' && c == 'z' || !(d != 'w' && e not in {'p', 'q'})",
      "(has(a) || has(b)) && (has(c) || has(d)) && (has(e) || (has(f) && !has(g)))",
  };
  const std::vector<Labels> label_sets = {
      {},
      {{"a", "x"}},
      {{"a", "b"}, {"b", "y"}},
      {{"c", "1"}},
      {{"d", "w"}, {"e", "p"}},
      {{"a", ""}, {"g", ""}},
      {{"b", "y"}, {"c", "z"}},
      {{"a", "\""}},
      {{"e", ""}, {"f", ""}},
  };
  for (const auto& text : selectors) {
    CAPTURE(text);
    Selector s = S(text);
    std::string canon = s.to_string();
    Selector again = S(canon);
    CHECK(again == s);
    CHECK(again.to_string() == canon);
    for (const auto& labels : label_sets) CHECK(again.matches(labels) == s.matches(labels));
  }
}

TEST_CASE("selectors are values") {
  Selector a = S("a == 'x' && b in {'1', '2'}");
  Selector b = a;
  CHECK(a == b);
  CHECK(b.matches({{"a", "x"}, {"b", "2"}}));
  b = S("has(c)");
  CHECK(a != b);
  CHECK(a.matches({{"a", "x"}, {"b", "1"}}));
  CHECK(S("has(a) && has(b)") != S("has(b) && has(a)"));
  CHECK(S("a in {'y', 'x'}") == S("a in {\"x\", 'y', 'x'}"));
}

TEST_CASE("errors say what was expected, where, and quote the selector") {
  CHECK(parse_error("b == b") ==
        "invalid selector \"b == b\": expected a quoted string after '==' at offset 5, found label \"b\"");
  CHECK(parse_error("b contains b") ==
        "invalid selector \"b contains b\": expected a quoted string after 'contains' at offset 11, found label \"b\"");
  CHECK(parse_error("'b1' == b") ==
        "invalid selector \"'b1' == b\": expected a label, has(), all(), global(), '!' or '(' at offset 0, found a "
        "string");
  CHECK(parse_error("b") ==
        "invalid selector \"b\": expected an operator (==, !=, in, not in, contains, starts with, ends with) after "
        "label \"b\" at offset 1, found the end of the selector");
  CHECK(parse_error("a b") ==
        "invalid selector \"a b\": expected an operator (==, !=, in, not in, contains, starts with, ends with) at "
        "offset 2, found 'b'");
  CHECK(parse_error("!") ==
        "invalid selector \"!\": expected a label, has(), all(), global(), '!' or '(' at offset 1, found the end of "
        "the selector");
  CHECK(parse_error("foo == \"bar\" &") ==
        "invalid selector \"foo == \"bar\" &\": expected '&&' at offset 13, found a single '&'");
  CHECK(parse_error("foo == \"bar\" |") ==
        "invalid selector \"foo == \"bar\" |\": expected '||' at offset 13, found a single '|'");
  CHECK(parse_error("a = 'b'") == "invalid selector \"a = 'b'\": expected '==' at offset 2, found a single '='");
  CHECK(parse_error("foo != ||") ==
        "invalid selector \"foo != ||\": expected a quoted string after '!=' at offset 7, found '||'");
  CHECK(parse_error("foo in {\"\", ||") ==
        "invalid selector \"foo in {\"\", ||\": expected a quoted string or '}' in the set at offset 12, found '||'");
  CHECK(parse_error("foo in {'a' 'b'}") ==
        "invalid selector \"foo in {'a' 'b'}\": expected ',' or '}' in the set at offset 12, found a string");
  CHECK(parse_error("foo in \"\"") ==
        "invalid selector \"foo in \"\"\": expected '{' to start the set after 'in' at offset 7, found a string");
  CHECK(parse_error("\"FOO") ==
        "invalid selector \"\"FOO\": unterminated string: the double quote at offset 0 is never closed");
  CHECK(parse_error("a == \"FOO'") ==
        "invalid selector \"a == \"FOO'\": unterminated string: the double quote at offset 5 is never closed");
  CHECK(parse_error("'FOO") ==
        "invalid selector \"'FOO\": unterminated string: the single quote at offset 0 is never closed");
  CHECK(parse_error("(") ==
        "invalid selector \"(\": expected a label, has(), all(), global(), '!' or '(' at offset 1, found the end of "
        "the selector");
  CHECK(parse_error("(a == \"foo\"") ==
        "invalid selector \"(a == \"foo\"\": expected ')' at offset 11 to close the '(' at offset 0, found the end "
        "of the selector");
  CHECK(parse_error(")") ==
        "invalid selector \")\": expected a label, has(), all(), global(), '!' or '(' at offset 0, found ')'");
  CHECK(parse_error("()") ==
        "invalid selector \"()\": expected a label, has(), all(), global(), '!' or '(' at offset 1, found ')'");
  CHECK(parse_error("%") == "invalid selector \"%\": unexpected character '%' at offset 0");
  CHECK(parse_error("a == \"b\" && %") ==
        "invalid selector \"a == \"b\" && %\": unexpected character '%' at offset 12");
  CHECK(parse_error("a ") ==
        "invalid selector \"a \": expected an operator (==, !=, in, not in, contains, starts with, ends with) after "
        "label \"a\" at offset 2, found the end of the selector");
  CHECK(parse_error("has(foo) &&") ==
        "invalid selector \"has(foo) &&\": expected a label, has(), all(), global(), '!' or '(' at offset 11, found "
        "the end of the selector");
  CHECK(parse_error("has(a) has(b)") ==
        "invalid selector \"has(a) has(b)\": expected '&&', '||' or the end of the selector at offset 7, found "
        "has(b)");
  CHECK(parse_error("has()") == "invalid selector \"has()\": expected a label key in has( at offset 4, found ')'");
  CHECK(parse_error("has(a") == "invalid selector \"has(a\": expected ')' to close has( at offset 5");
  CHECK(parse_error("has('a')") ==
        "invalid selector \"has('a')\": expected a label key in has( at offset 4, found a single quote");
  CHECK(parse_error("all(x)") == "invalid selector \"all(x)\": expected ')' after all( at offset 4");
  CHECK(parse_error("global(") == "invalid selector \"global(\": expected ')' after global( at offset 7");
  CHECK(parse_error("a starts 'x'") == "invalid selector \"a starts 'x'\": expected 'starts with' at offset 2");
  CHECK(parse_error("a not {'x'}") == "invalid selector \"a not {'x'}\": expected 'not in' at offset 2");
  CHECK(parse_error("a ( 'x'") ==
        "invalid selector \"a ( 'x'\": expected an operator (==, !=, in, not in, contains, starts with, ends with) "
        "after label \"a\" at offset 2, found '('");
}

TEST_CASE("only spaces and tabs separate tokens, as in Calico") {
  CHECK(parse_error("a == 'b'\n") == "invalid selector \"a == 'b'\\n\": unexpected character a newline at offset 8");
  CHECK(parse_error("has(a)\r\n") ==
        "invalid selector \"has(a)\\x0d\\n\": unexpected character a carriage return at offset 6");
  CHECK(parse_error("a == 'b' &&\xc2\xa0has(c)") ==
        "invalid selector \"a == 'b' &&\xc2\xa0has(c)\": unexpected character byte 0xc2 at offset 11");
  CHECK(S("a == 'line\nbreak'").matches({{"a", "line\nbreak"}}));
}

TEST_CASE("nesting is bounded") {
  auto nested = [](int depth) { return std::string(depth, '(') + "has(a)" + std::string(depth, ')'); };
  CHECK(S(nested(sluice::selector::max_nesting)).matches({{"a", ""}}));
  CHECK(parse_error(nested(sluice::selector::max_nesting + 1))
            .ends_with("parentheses nested deeper than 128 levels at offset 128"));
  // Long flat chains are not nesting.
  std::string chain = "has(k0)";
  for (int i = 1; i < 5000; ++i) chain += (i % 2 ? " && !has(k" : " || has(k") + std::to_string(i) + ")";
  CHECK(S(chain).matches({{"k0", ""}}));
}
