#include "base/selector/selector.hpp"

#include <algorithm>
#include <utility>

#include <fmt/format.h>

#include "base/selector/lexer.hpp"

namespace sluice::selector {

Selector::Selector() : nodes_(1) {}

bool Selector::is_all() const {
  return nodes_[root_].op == Op::all;
}
bool Selector::is_global() const {
  return nodes_[root_].op == Op::global;
}

bool Selector::matches(const std::map<std::string, std::string>& labels) const {
  return eval(root_, labels);
}

bool Selector::eval(std::uint32_t index, const std::map<std::string, std::string>& labels) const {
  const Node& node = nodes_[index];
  // Calico's rules for a missing label: the positive comparisons fail, != and not in pass.
  auto value = [&]() -> const std::string* {
    auto it = labels.find(node.label);
    return it == labels.end() ? nullptr : &it->second;
  };
  switch (node.op) {
    case Op::all:
    case Op::global: return true;
    case Op::has: return labels.contains(node.label);
    case Op::eq: {
      const std::string* v = value();
      return v && *v == node.value;
    }
    case Op::ne: {
      const std::string* v = value();
      return !v || *v != node.value;
    }
    case Op::contains: {
      const std::string* v = value();
      return v && v->find(node.value) != std::string::npos;
    }
    case Op::starts_with: {
      const std::string* v = value();
      return v && v->starts_with(node.value);
    }
    case Op::ends_with: {
      const std::string* v = value();
      return v && v->ends_with(node.value);
    }
    case Op::in: {
      const std::string* v = value();
      return v && std::binary_search(node.values.begin(), node.values.end(), *v);
    }
    case Op::not_in: {
      const std::string* v = value();
      return !v || !std::binary_search(node.values.begin(), node.values.end(), *v);
    }
    case Op::not_: return !eval(node.first, labels);
    case Op::and_:
      for (std::uint32_t i = node.first; i < node.first + node.count; ++i) {
        if (!eval(operands_[i], labels)) return false;
      }
      return true;
    case Op::or_:
      for (std::uint32_t i = node.first; i < node.first + node.count; ++i) {
        if (eval(operands_[i], labels)) return true;
      }
      return false;
  }
  return false;
}

namespace {

// Strings have no escapes, so a value is quoted with the quote it does not contain; a
// parsed value never contains both.
void append_quoted(std::string& out, const std::string& value) {
  char quote = value.find('"') == std::string::npos ? '"' : '\'';
  out += quote;
  out += value;
  out += quote;
}

}  // namespace

void Selector::print(std::uint32_t index, std::string& out) const {
  const Node& node = nodes_[index];
  auto comparison = [&](std::string_view op) {
    out += node.label;
    out += op;
    append_quoted(out, node.value);
  };
  auto set = [&](std::string_view op) {
    out += node.label;
    out += op;
    out += '{';
    for (std::size_t i = 0; i < node.values.size(); ++i) {
      if (i > 0) out += ", ";
      append_quoted(out, node.values[i]);
    }
    out += '}';
  };
  auto group = [&](std::string_view op) {
    out += '(';
    for (std::uint32_t i = node.first; i < node.first + node.count; ++i) {
      if (i > node.first) out += op;
      print(operands_[i], out);
    }
    out += ')';
  };
  switch (node.op) {
    case Op::all: out += "all()"; return;
    case Op::global: out += "global()"; return;
    case Op::has:
      out += "has(";
      out += node.label;
      out += ')';
      return;
    case Op::eq: comparison(" == "); return;
    case Op::ne: comparison(" != "); return;
    case Op::contains: comparison(" contains "); return;
    case Op::starts_with: comparison(" starts with "); return;
    case Op::ends_with: comparison(" ends with "); return;
    case Op::in: set(" in "); return;
    case Op::not_in: set(" not in "); return;
    case Op::not_:
      out += '!';
      print(node.first, out);
      return;
    case Op::and_: group(" && "); return;
    case Op::or_: group(" || "); return;
  }
}

std::string Selector::to_string() const {
  std::string out;
  print(root_, out);
  return out;
}

// Recursive descent over the token list, mirroring Calico's grammar:
//   selector  := <empty> | or
//   or        := and ('||' and)*
//   and       := operation ('&&' operation)*
//   operation := '!'* ( has(k) | all() | global() | '(' or ')'
//                     | k ('=='|'!='|contains|starts with|ends with) string
//                     | k ('in'|'not in') '{' [string (',' string)* [',']] '}' )
// Nodes are appended in post-order, so the root of a just-parsed operand is always the
// last node.
class Parser {
 public:
  Parser(const std::vector<Token>& tokens, Selector& out) : tokens_(tokens), out_(out) {}

  Status parse_root() {
    out_.nodes_.clear();
    if (current().kind == TokenKind::end) {
      out_.nodes_.emplace_back();  // all()
      out_.root_ = 0;
      return {};
    }
    auto root = parse_or(0);
    if (!root) return root.error();
    if (current().kind != TokenKind::end) return unexpected("'&&', '||' or the end of the selector");
    out_.root_ = *root;
    return {};
  }

 private:
  using Op = Selector::Op;
  using Node = Selector::Node;

  const Token& current() const { return tokens_[pos_]; }
  const Token& peek(std::size_t ahead) const { return tokens_[std::min(pos_ + ahead, tokens_.size() - 1)]; }

  Error unexpected(std::string_view expected) const { return unexpected_at(current(), expected); }
  static Error unexpected_at(const Token& token, std::string_view expected) {
    return Error{fmt::format("expected {} at offset {}, found {}", expected, token.offset, describe(token))};
  }

  std::uint32_t push(Node node) {
    out_.nodes_.push_back(std::move(node));
    return static_cast<std::uint32_t>(out_.nodes_.size() - 1);
  }

  // One grouping of operands joined by && or ||; a single operand is returned as is.
  Result<std::uint32_t> parse_group(int depth, TokenKind joiner, Op op) {
    std::vector<std::uint32_t> operands;
    while (true) {
      auto operand = op == Op::or_ ? parse_and(depth) : parse_operation(depth);
      if (!operand) return operand;
      operands.push_back(*operand);
      if (current().kind != joiner) break;
      ++pos_;
    }
    if (operands.size() == 1) return operands.front();
    Node node;
    node.op = op;
    node.first = static_cast<std::uint32_t>(out_.operands_.size());
    node.count = static_cast<std::uint32_t>(operands.size());
    out_.operands_.insert(out_.operands_.end(), operands.begin(), operands.end());
    return push(std::move(node));
  }
  Result<std::uint32_t> parse_or(int depth) { return parse_group(depth, TokenKind::or_, Op::or_); }
  Result<std::uint32_t> parse_and(int depth) { return parse_group(depth, TokenKind::and_, Op::and_); }

  Result<std::uint32_t> parse_operation(int depth) {
    // Leading '!'s collapse to one negation or none, as in Calico.
    bool negated = false;
    while (current().kind == TokenKind::not_) {
      negated = !negated;
      ++pos_;
    }
    auto operand = parse_operand(depth);
    if (!operand || !negated) return operand;
    Node& inner = out_.nodes_[*operand];
    if (inner.op == Op::not_) {
      // "!(!x)": the negations cancel. Calico keeps both and prints "!!x", which parses
      // back as x; cancelling here keeps the canonical text a fixed point.
      std::uint32_t child = inner.first;
      out_.nodes_.pop_back();
      return child;
    }
    Node node;
    node.op = Op::not_;
    node.first = *operand;
    return push(std::move(node));
  }

  Result<std::uint32_t> parse_operand(int depth) {
    const Token& token = current();
    Node node;
    switch (token.kind) {
      case TokenKind::has:
        node.op = Op::has;
        node.label = token.text;
        ++pos_;
        return push(std::move(node));
      case TokenKind::all: ++pos_; return push(Node{});
      case TokenKind::global:
        node.op = Op::global;
        ++pos_;
        return push(std::move(node));
      case TokenKind::lparen: {
        if (depth >= max_nesting) {
          return Error{fmt::format("parentheses nested deeper than {} levels at offset {}", max_nesting, token.offset)};
        }
        ++pos_;
        auto inner = parse_or(depth + 1);
        if (!inner) return inner;
        if (current().kind != TokenKind::rparen) {
          return Error{fmt::format("expected ')' at offset {} to close the '(' at offset {}, found {}",
                                   current().offset, token.offset, describe(current()))};
        }
        ++pos_;
        return inner;
      }
      case TokenKind::label: return parse_label_operation();
      default: return unexpected("a label, has(), all(), global(), '!' or '('");
    }
  }

  Result<std::uint32_t> parse_label_operation() {
    Node node;
    node.label = current().text;
    const Token& op = peek(1);
    switch (op.kind) {
      case TokenKind::eq: node.op = Op::eq; break;
      case TokenKind::ne: node.op = Op::ne; break;
      case TokenKind::contains: node.op = Op::contains; break;
      case TokenKind::starts_with: node.op = Op::starts_with; break;
      case TokenKind::ends_with: node.op = Op::ends_with; break;
      case TokenKind::in: node.op = Op::in; break;
      case TokenKind::not_in: node.op = Op::not_in; break;
      default:
        return unexpected_at(
            op, fmt::format("an operator (==, !=, in, not in, contains, starts with, ends with) after label \"{}\"",
                            node.label));
    }
    pos_ += 2;
    if (node.op == Op::in || node.op == Op::not_in) {
      auto parsed = parse_set(node.values, describe(op));
      if (!parsed) return parsed.error();
      return push(std::move(node));
    }
    if (current().kind != TokenKind::string) return unexpected(fmt::format("a quoted string after {}", describe(op)));
    node.value = current().text;
    ++pos_;
    return push(std::move(node));
  }

  // '{' [string (',' string)* [',']] '}': Calico accepts an empty set and a trailing comma.
  Status parse_set(std::vector<std::string>& values, const std::string& op) {
    if (current().kind != TokenKind::lbrace) return unexpected(fmt::format("'{{' to start the set after {}", op));
    ++pos_;
    while (current().kind == TokenKind::string) {
      values.emplace_back(current().text);
      ++pos_;
      if (current().kind != TokenKind::comma) break;
      ++pos_;
    }
    if (current().kind != TokenKind::rbrace) {
      bool after_value = tokens_[pos_ - 1].kind == TokenKind::string;
      return unexpected(after_value ? "',' or '}' in the set" : "a quoted string or '}' in the set");
    }
    ++pos_;
    std::sort(values.begin(), values.end());
    values.erase(std::unique(values.begin(), values.end()), values.end());
    return {};
  }

  const std::vector<Token>& tokens_;
  Selector& out_;
  std::size_t pos_ = 0;
};

namespace {

// The selector as error messages quote it: control bytes are escaped so that a stray
// newline or tab is visible (offsets count the raw bytes).
std::string quote_for_error(std::string_view text) {
  std::string out = "\"";
  for (char c : text) {
    auto byte = static_cast<unsigned char>(c);
    if (c == '\n') {
      out += "\\n";
    } else if (c == '\t') {
      out += "\\t";
    } else if (byte < 0x20 || byte == 0x7f) {
      out += fmt::format("\\x{:02x}", byte);
    } else {
      out += c;
    }
  }
  out += '"';
  return out;
}

}  // namespace

Result<Selector> parse(std::string_view text) {
  auto fail = [&](const Error& error) {
    return Error{fmt::format("invalid selector {}: {}", quote_for_error(text), error.message)};
  };
  auto tokens = tokenize(text);
  if (!tokens) return fail(tokens.error());
  Selector selector;
  Parser parser(*tokens, selector);
  if (auto parsed = parser.parse_root(); !parsed) return fail(parsed.error());
  return selector;
}

}  // namespace sluice::selector
