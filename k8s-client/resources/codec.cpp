// The non-template half of the codec: paths and errors, member lookup, unknown-member
// capture, scalar readers, and the guarded parser.
#include <algorithm>
#include <charconv>
#include <cmath>
#include <cstdlib>
#include <optional>

#include <rapidjson/error/en.h>

#include "k8s-client/resources/codec_impl.hpp"

namespace sluice::k8s {
namespace codec {

std::string Path::str() const {
  if (step_ == Step::root) return {};
  std::string out = parent_->str();
  switch (step_) {
    case Step::member:
      if (!out.empty()) out += '.';
      out.append(text_);
      break;
    case Step::index:
      out += fmt::format("[{}]", index_);
      break;
    case Step::key:
      out += fmt::format("[\"{}\"]", text_);
      break;
    case Step::root:
      break;
  }
  return out;
}

Error error_at(const Path& path, std::string_view what) {
  if (path.is_root()) return Error{std::string(what)};
  return Error{fmt::format("{}: {}", path.str(), what)};
}

Error type_error(const Path& path, std::string_view expected, const rapidjson::Value& got) {
  return error_at(path, fmt::format("expected {}, got {}", expected, json::type_name(got)));
}

std::string_view view(const rapidjson::Value& string) { return {string.GetString(), string.GetStringLength()}; }

Result<const rapidjson::Value*> unique_member(const rapidjson::Value& object, std::string_view name,
                                             const Path& member_path) {
  const rapidjson::Value* found = nullptr;
  for (const auto& m : object.GetObject()) {
    if (view(m.name) != name) continue;
    if (found) return error_at(member_path, "duplicate field");
    found = &m.value;
  }
  return found;
}

Status check_type_member(const rapidjson::Value& object, std::string_view name, std::string_view expected,
                         const Path& path) {
  const Path here = path.member(name);
  auto found = unique_member(object, name, here);
  if (!found) return found.error();
  if (!*found) return {};
  if (!(*found)->IsString()) return type_error(here, "a string", **found);
  if (view(**found) != expected) return error_at(here, fmt::format("expected \"{}\", got \"{}\"", expected, view(**found)));
  return {};
}

UnknownFields collect_unknown(const rapidjson::Value& object, std::span<const std::string_view> modeled,
                              std::initializer_list<std::string_view> also_known) {
  std::shared_ptr<rapidjson::Document> unknown;
  for (const auto& m : object.GetObject()) {
    std::string_view name = view(m.name);
    if (std::find(modeled.begin(), modeled.end(), name) != modeled.end() ||
        std::find(also_known.begin(), also_known.end(), name) != also_known.end()) {
      continue;
    }
    if (!unknown) {
      unknown = std::make_shared<rapidjson::Document>();
      unknown->SetObject();
    }
    auto& allocator = unknown->GetAllocator();
    unknown->AddMember(rapidjson::Value(m.name, allocator), rapidjson::Value(m.value, allocator), allocator);
  }
  return UnknownFields(std::move(unknown));
}

const rapidjson::Value& empty_object() {
  static const rapidjson::Value empty(rapidjson::kObjectType);
  return empty;
}

Status read_string(const rapidjson::Value& in, std::string& out, const Path& path) {
  if (!in.IsString()) return type_error(path, "a string", in);
  out.assign(in.GetString(), in.GetStringLength());
  return {};
}

Status read_bool(const rapidjson::Value& in, bool& out, const Path& path) {
  if (!in.IsBool()) return type_error(path, "a boolean", in);
  out = in.GetBool();
  return {};
}

Status read_int_or_string(const rapidjson::Value& in, IntOrString& out, const Path& path) {
  if (in.IsString()) {
    out.value = std::string(view(in));
    return {};
  }
  if (!in.IsNumber()) return type_error(path, "an integer or a string", in);
  std::int32_t number = 0;
  if (auto s = read_integer(in, number, path); !s) return s;
  out.value = number;
  return {};
}

}  // namespace codec

namespace {

// RapidJSON 1.1's full-precision number path (internal/strtod.h, diyfp.h) has undefined
// behaviour on inputs fuzzing found one after another: clz(0) for a zero written with a
// scale ("0e40", "0.000000000000000000000000"), clz(0) again when a significand rounds up
// past 2^64-1, and a signed overflow for a decimal exponent below about -348 reached
// through leading zeros. So every number that is not a plain integer is first read here
// with strtod (correctly rounded) and handed to RapidJSON as the shortest text of that
// same double (at most 17 digits, exponent within a double's range), which its fast and
// DiyFp paths handle exactly; integers that fit 64 bits are left as they are. Returns the text to parse instead, nullopt to keep the token, or an error
// for a number no double can hold.
Result<std::optional<std::string>> number_replacement(std::string_view token, bool scaled) {
  if (!scaled) {
    // An integer RapidJSON stores as one (int64 or uint64) is exact already.
    std::int64_t signed_value = 0;
    std::uint64_t unsigned_value = 0;
    const char* first = token.data();
    const char* last = token.data() + token.size();
    if (token.front() == '-' ? std::from_chars(first, last, signed_value).ec == std::errc()
                             : std::from_chars(first, last, unsigned_value).ec == std::errc())
      return std::optional<std::string>();
  }
  const std::string text(token);
  const double value = std::strtod(text.c_str(), nullptr);
  if (!std::isfinite(value)) return Error{"a number too big for a double"};
  char out[64];
  auto [end, ec] = std::to_chars(out, out + sizeof out, value);
  if (ec != std::errc()) return Error{"a number that cannot be written back"};
  std::string replacement(out, end);
  // Keep it a double to RapidJSON (an integer-looking text would read as one).
  if (replacement.find_first_of(".e") == std::string::npos) replacement += ".0";
  return std::optional<std::string>(std::move(replacement));
}

}  // namespace

Result<rapidjson::Document> parse_json(std::string_view text) {
  // RapidJSON's parser recurses once per level; bound the depth before it runs. A raw NUL
  // is never valid JSON, and the parser would take it for the end of the input.
  int depth = 0;
  bool in_string = false, escaped = false;
  std::string defused;      // the text with numbers rewritten, when any is
  std::size_t copied = 0;   // text[0, copied) is in `defused` already
  for (std::size_t i = 0; i < text.size(); ++i) {
    char c = text[i];
    if (c == '\0') return Error{fmt::format("invalid JSON at offset {}: a NUL byte", i)};
    if (in_string) {
      if (escaped) {
        escaped = false;
      } else if (c == '\\') {
        escaped = true;
      } else if (c == '"') {
        in_string = false;
      }
    } else if (c == '"') {
      in_string = true;
    } else if (c == '-' || (c >= '0' && c <= '9')) {
      // A number, read as JSON's grammar reads it.
      std::size_t j = i;
      if (text[j] == '-') ++j;
      bool scaled = false, well_formed = true;
      auto digits = [&] {
        const std::size_t from = j;
        while (j < text.size() && text[j] >= '0' && text[j] <= '9') ++j;
        if (j == from) well_formed = false;
      };
      digits();
      if (j < text.size() && text[j] == '.') {
        ++j;
        scaled = true;
        digits();
      }
      if (j < text.size() && (text[j] == 'e' || text[j] == 'E')) {
        ++j;
        scaled = true;
        if (j < text.size() && (text[j] == '+' || text[j] == '-')) ++j;
        const std::size_t from = j;
        while (j < text.size() && text[j] >= '0' && text[j] <= '9') ++j;
        if (j == from) well_formed = false;
      }
      // RapidJSON computes a number's value before it notices what follows is wrong, so a
      // malformed number is refused here rather than rewritten or parsed.
      if (!well_formed || (j < text.size() && std::string_view("0123456789.eE+-").find(text[j]) != std::string_view::npos))
        return Error{fmt::format("invalid JSON at offset {}: a malformed number", i)};
      auto replacement = number_replacement(text.substr(i, j - i), scaled);
      if (!replacement) return Error{fmt::format("invalid JSON at offset {}: {}", i, replacement.error().message)};
      if (*replacement) {
        defused.append(text.substr(copied, i - copied));
        defused += **replacement;
        copied = j;
      }
      if (j > i) i = j - 1;
    } else if (c == '{' || c == '[') {
      if (++depth > kMaxJsonDepth) {
        return Error{fmt::format("invalid JSON at offset {}: nested deeper than {} levels", i, kMaxJsonDepth)};
      }
    } else if ((c == '}' || c == ']') && depth > 0) {
      --depth;
    }
  }
  if (copied > 0) {
    defused.append(text.substr(copied));
    text = defused;
  }
  rapidjson::Document doc;
  doc.Parse<rapidjson::kParseFullPrecisionFlag | rapidjson::kParseValidateEncodingFlag>(text.data(), text.size());
  if (doc.HasParseError()) {
    // Offsets are into the rewritten text when a number was rewritten; rare enough, and
    // the message still names the error.
    return Error{fmt::format("invalid JSON at offset {}: {}", doc.GetErrorOffset(),
                             rapidjson::GetParseError_En(doc.GetParseError()))};
  }
  return doc;
}

}  // namespace sluice::k8s
