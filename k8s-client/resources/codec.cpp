// The non-template half of the codec: paths and errors, member lookup, unknown-member
// capture, scalar readers, and the guarded parser.
#include <algorithm>

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

Result<rapidjson::Document> parse_json(std::string_view text) {
  // RapidJSON's parser recurses once per level; bound the depth before it runs. A raw NUL
  // is never valid JSON, and the parser would take it for the end of the input.
  int depth = 0;
  bool in_string = false, escaped = false, zero_with_exponent = false;
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
      // A number: note a zero significand with an exponent ("0e40", "-0.0E+99").
      bool zero = true, exponent = false;
      std::size_t j = i;
      for (; j < text.size() && std::string_view("0123456789+-.eE").find(text[j]) != std::string_view::npos; ++j) {
        if (text[j] == 'e' || text[j] == 'E') exponent = true;
        if (!exponent && text[j] >= '1' && text[j] <= '9') zero = false;
      }
      zero_with_exponent = zero_with_exponent || (zero && exponent);
      i = j - 1;
    } else if (c == '{' || c == '[') {
      if (++depth > kMaxJsonDepth) {
        return Error{fmt::format("invalid JSON at offset {}: nested deeper than {} levels", i, kMaxJsonDepth)};
      }
    } else if ((c == '}' || c == ']') && depth > 0) {
      --depth;
    }
  }
  rapidjson::Document doc;
  // RapidJSON 1.1's full-precision path normalizes a zero significand with clz(0)
  // (undefined; found by fuzzing) when the exponent is past its fast path. Such a number
  // is exactly 0 either way, so that text is parsed in normal precision.
  if (zero_with_exponent) {
    doc.Parse<rapidjson::kParseValidateEncodingFlag>(text.data(), text.size());
  } else {
    doc.Parse<rapidjson::kParseFullPrecisionFlag | rapidjson::kParseValidateEncodingFlag>(text.data(), text.size());
  }
  if (doc.HasParseError()) {
    return Error{fmt::format("invalid JSON at offset {}: {}", doc.GetErrorOffset(),
                             rapidjson::GetParseError_En(doc.GetParseError()))};
  }
  return doc;
}

}  // namespace sluice::k8s
