#include "base/selector/lexer.hpp"

#include <fmt/format.h>

namespace sluice::selector {

namespace {

bool is_space(char c) {
  return c == ' ' || c == '\t';
}

bool is_label_char(char c) {
  return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '_' || c == '.' ||
         c == '/' || c == '-';
}

// A character as an error message shows it: printable ASCII quoted, anything else as a
// hex byte, so a stray newline or UTF-8 byte is visible.
std::string show_char(char c) {
  auto byte = static_cast<unsigned char>(c);
  if (c == '\'') return "a single quote";
  if (c == '"') return "a double quote";
  if (byte >= 0x20 && byte < 0x7f) return fmt::format("'{}'", c);
  if (c == '\n') return "a newline";
  if (c == '\r') return "a carriage return";
  return fmt::format("byte 0x{:02x}", byte);
}

class Lexer {
 public:
  explicit Lexer(std::string_view text) : text_(text) {}

  Result<std::vector<Token>> run() {
    std::vector<Token> tokens;
    while (true) {
      skip_space();
      if (pos_ == text_.size()) {
        tokens.push_back(Token{TokenKind::end, pos_, {}});
        return tokens;
      }
      bool after_label = !tokens.empty() && tokens.back().kind == TokenKind::label;
      auto token = next(after_label);
      if (!token) return token.error();
      tokens.push_back(*token);
    }
  }

 private:
  void skip_space() {
    while (pos_ < text_.size() && is_space(text_[pos_])) ++pos_;
  }
  bool starts_with(std::string_view word) const { return text_.substr(pos_).starts_with(word); }
  Token take(TokenKind kind, std::size_t length) {
    Token token{kind, pos_, {}};
    pos_ += length;
    return token;
  }
  std::string_view label_at(std::size_t at) const {
    std::size_t end = at;
    while (end < text_.size() && is_label_char(text_[end])) ++end;
    return text_.substr(at, end - at);
  }

  Result<Token> next(bool after_label) {
    std::size_t start = pos_;
    char c = text_[pos_];
    switch (c) {
      case '(': return take(TokenKind::lparen, 1);
      case ')': return take(TokenKind::rparen, 1);
      case '{': return take(TokenKind::lbrace, 1);
      case '}': return take(TokenKind::rbrace, 1);
      case ',': return take(TokenKind::comma, 1);
      case '"':
      case '\'': {
        std::size_t close = text_.find(c, start + 1);
        if (close == std::string_view::npos) {
          return Error{fmt::format("unterminated string: the {} at offset {} is never closed",
                                   c == '"' ? "double quote" : "single quote", start)};
        }
        pos_ = close + 1;
        return Token{TokenKind::string, start, text_.substr(start + 1, close - start - 1)};
      }
      case '=':
        if (starts_with("==")) return take(TokenKind::eq, 2);
        return Error{fmt::format("expected '==' at offset {}, found a single '='", start)};
      case '!':
        if (starts_with("!=")) return take(TokenKind::ne, 2);
        return take(TokenKind::not_, 1);
      case '&':
        if (starts_with("&&")) return take(TokenKind::and_, 2);
        return Error{fmt::format("expected '&&' at offset {}, found a single '&'", start)};
      case '|':
        if (starts_with("||")) return take(TokenKind::or_, 2);
        return Error{fmt::format("expected '||' at offset {}, found a single '|'", start)};
      default: break;
    }
    if (after_label) return operator_word();
    if (starts_with("has(")) return has();
    if (starts_with("all(")) return empty_call(TokenKind::all, "all(");
    if (starts_with("global(")) return empty_call(TokenKind::global, "global(");
    if (auto label = label_at(pos_); !label.empty()) {
      pos_ += label.size();
      return Token{TokenKind::label, start, label};
    }
    return Error{fmt::format("unexpected character {} at offset {}", show_char(c), start)};
  }

  // After a label only an operator may follow. As in Calico, the words are matched as
  // prefixes ("a in{'x'}" and "a startswith 'x'" are accepted).
  Result<Token> operator_word() {
    std::size_t start = pos_;
    auto two_words = [&](std::string_view first, TokenKind kind) -> Result<Token> {
      pos_ += first.size();
      skip_space();
      std::string_view second = kind == TokenKind::not_in ? "in" : "with";
      if (!starts_with(second)) {
        return Error{fmt::format("expected '{} {}' at offset {}", first, second, start)};
      }
      pos_ += second.size();
      return Token{kind, start, {}};
    };
    if (starts_with("contains")) return take(TokenKind::contains, 8);
    if (starts_with("starts")) return two_words("starts", TokenKind::starts_with);
    if (starts_with("ends")) return two_words("ends", TokenKind::ends_with);
    if (starts_with("not")) return two_words("not", TokenKind::not_in);
    if (starts_with("in")) return take(TokenKind::in, 2);
    return Error{fmt::format(
        "expected an operator (==, !=, in, not in, contains, starts with, ends with) at offset {}, found {}", start,
        show_char(text_[start]))};
  }

  Result<Token> has() {
    std::size_t start = pos_;
    pos_ += 4;  // has(
    skip_space();
    std::string_view key = label_at(pos_);
    if (key.empty()) {
      if (pos_ == text_.size()) return Error{fmt::format("expected a label key in has( at offset {}", pos_)};
      return Error{fmt::format("expected a label key in has( at offset {}, found {}", pos_, show_char(text_[pos_]))};
    }
    pos_ += key.size();
    skip_space();
    if (!starts_with(")")) return Error{fmt::format("expected ')' to close has( at offset {}", pos_)};
    ++pos_;
    return Token{TokenKind::has, start, key};
  }

  Result<Token> empty_call(TokenKind kind, std::string_view opening) {
    std::size_t start = pos_;
    pos_ += opening.size();
    skip_space();
    if (!starts_with(")")) return Error{fmt::format("expected ')' after {} at offset {}", opening, pos_)};
    ++pos_;
    return Token{kind, start, {}};
  }

  std::string_view text_;
  std::size_t pos_ = 0;
};

}  // namespace

std::string describe(const Token& token) {
  switch (token.kind) {
    case TokenKind::label: return fmt::format("label \"{}\"", token.text);
    case TokenKind::string: return "a string";
    case TokenKind::lbrace: return "'{'";
    case TokenKind::rbrace: return "'}'";
    case TokenKind::comma: return "','";
    case TokenKind::eq: return "'=='";
    case TokenKind::ne: return "'!='";
    case TokenKind::in: return "'in'";
    case TokenKind::not_in: return "'not in'";
    case TokenKind::contains: return "'contains'";
    case TokenKind::starts_with: return "'starts with'";
    case TokenKind::ends_with: return "'ends with'";
    case TokenKind::not_: return "'!'";
    case TokenKind::lparen: return "'('";
    case TokenKind::rparen: return "')'";
    case TokenKind::and_: return "'&&'";
    case TokenKind::or_: return "'||'";
    case TokenKind::all: return "all()";
    case TokenKind::global: return "global()";
    case TokenKind::has: return fmt::format("has({})", token.text);
    case TokenKind::end: return "the end of the selector";
  }
  return "a token";
}

Result<std::vector<Token>> tokenize(std::string_view text) {
  return Lexer(text).run();
}

}  // namespace sluice::selector
