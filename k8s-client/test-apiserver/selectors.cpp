#include "k8s-client/test-apiserver/selectors.hpp"

#include <algorithm>

#include <fmt/format.h>

#include "base/json/json.hpp"

namespace sluice::apiserver {
namespace {

std::string_view trim(std::string_view s) {
  while (!s.empty() && s.front() == ' ') s.remove_prefix(1);
  while (!s.empty() && s.back() == ' ') s.remove_suffix(1);
  return s;
}

bool valid_key(std::string_view k) {
  if (k.empty() || k.size() > 317) return false;
  for (char c : k) {
    bool ok = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '-' || c == '_' ||
              c == '.' || c == '/';
    if (!ok) return false;
  }
  return true;
}

// Splits on commas outside parentheses.
Result<std::vector<std::string_view>> split_terms(std::string_view text) {
  std::vector<std::string_view> out;
  int depth = 0;
  std::size_t start = 0;
  for (std::size_t i = 0; i < text.size(); ++i) {
    if (text[i] == '(') ++depth;
    if (text[i] == ')' && --depth < 0) return Error{fmt::format("unbalanced ')' at offset {}", i)};
    if (text[i] == ',' && depth == 0) {
      out.push_back(text.substr(start, i - start));
      start = i + 1;
    }
  }
  if (depth != 0) return Error{"unclosed '('"};
  out.push_back(text.substr(start));
  return out;
}

}  // namespace

Result<LabelSelector> LabelSelector::parse(std::string_view text) {
  LabelSelector out;
  if (trim(text).empty()) return out;
  auto terms = split_terms(text);
  if (!terms) return terms.error().context(fmt::format("invalid label selector \"{}\"", text));
  auto fail = [&](std::string_view term, std::string_view why) {
    return Error{fmt::format("invalid label selector \"{}\": term \"{}\": {}", text, trim(term), why)};
  };
  for (std::string_view raw : *terms) {
    std::string_view term = trim(raw);
    if (term.empty()) return fail(raw, "empty requirement");
    Requirement r;
    if (term.front() == '!') {
      r.key = std::string(trim(term.substr(1)));
      r.op = Op::not_exists;
    } else if (auto paren = term.find('('); paren != std::string_view::npos) {
      if (term.back() != ')') return fail(term, "expected ')' at the end");
      std::string_view head = trim(term.substr(0, paren));
      auto space = head.rfind(' ');
      if (space == std::string_view::npos) return fail(term, "expected \"KEY in (...)\" or \"KEY notin (...)\"");
      std::string_view op = head.substr(space + 1);
      r.key = std::string(trim(head.substr(0, space)));
      if (op == "in")
        r.op = Op::in;
      else if (op == "notin")
        r.op = Op::not_in;
      else
        return fail(term, fmt::format("unknown operator \"{}\"", op));
      std::string_view list = term.substr(paren + 1, term.size() - paren - 2);
      std::size_t start = 0;
      while (start <= list.size()) {
        auto comma = list.find(',', start);
        std::string_view v = trim(list.substr(start, comma == std::string_view::npos ? list.npos : comma - start));
        if (!v.empty()) r.values.emplace_back(v);
        if (comma == std::string_view::npos) break;
        start = comma + 1;
      }
      if (r.values.empty()) return fail(term, "a set needs at least one value");
    } else if (auto ne = term.find("!="); ne != std::string_view::npos) {
      r.key = std::string(trim(term.substr(0, ne)));
      r.op = Op::not_equals;
      r.values.emplace_back(trim(term.substr(ne + 2)));
    } else if (auto eq = term.find('='); eq != std::string_view::npos) {
      std::size_t skip = term.substr(eq, 2) == "==" ? 2 : 1;
      r.key = std::string(trim(term.substr(0, eq)));
      r.op = Op::equals;
      r.values.emplace_back(trim(term.substr(eq + skip)));
    } else {
      r.key = std::string(term);
      r.op = Op::exists;
    }
    if (!valid_key(r.key)) return fail(term, fmt::format("\"{}\" is not a valid label key", r.key));
    out.requirements_.push_back(std::move(r));
  }
  return out;
}

bool LabelSelector::matches(const std::map<std::string, std::string, std::less<>>& labels) const {
  for (const auto& r : requirements_) {
    auto it = labels.find(r.key);
    bool has = it != labels.end();
    bool in_set = has && std::find(r.values.begin(), r.values.end(), it->second) != r.values.end();
    bool ok = false;
    switch (r.op) {
      case Op::exists: ok = has; break;
      case Op::not_exists: ok = !has; break;
      case Op::equals:
      case Op::in: ok = in_set; break;
      case Op::not_equals:
      case Op::not_in: ok = !in_set; break;
    }
    if (!ok) return false;
  }
  return true;
}

namespace {

bool field_supported(std::string_view kind, std::string_view field) {
  static const std::map<std::string_view, std::vector<std::string_view>> kExtra = {
      {"Pod",
       {"spec.nodeName", "spec.restartPolicy", "spec.schedulerName", "spec.serviceAccountName", "spec.hostNetwork",
        "status.phase", "status.podIP", "status.nominatedNodeName"}},
      {"Node", {"spec.unschedulable"}},
      {"Namespace", {"status.phase"}},
  };
  if (field == "metadata.name" || field == "metadata.namespace") return true;
  auto it = kExtra.find(kind);
  return it != kExtra.end() && std::find(it->second.begin(), it->second.end(), field) != it->second.end();
}

// The value at a dotted path as the server compares it: strings as they are, booleans as
// "true"/"false", anything absent as "".
std::string field_value(const rapidjson::Value& object, std::string_view path) {
  const rapidjson::Value* at = &object;
  while (!path.empty()) {
    auto dot = path.find('.');
    std::string_view part = path.substr(0, dot);
    path = dot == std::string_view::npos ? std::string_view() : path.substr(dot + 1);
    if (!at->IsObject()) return {};
    at = json::find(*at, part);
    if (at == nullptr) return {};
  }
  if (at->IsString()) return std::string(at->GetString(), at->GetStringLength());
  if (at->IsBool()) return at->GetBool() ? "true" : "false";
  return {};
}

}  // namespace

Result<FieldSelector> FieldSelector::parse(std::string_view text, std::string_view kind) {
  FieldSelector out;
  if (trim(text).empty()) return out;
  auto terms = split_terms(text);
  if (!terms) return terms.error().context(fmt::format("invalid field selector \"{}\"", text));
  for (std::string_view raw : *terms) {
    std::string_view term = trim(raw);
    Term t;
    auto ne = term.find("!=");
    auto eq = term.find('=');
    if (ne != std::string_view::npos) {
      t.field = std::string(trim(term.substr(0, ne)));
      t.equals = false;
      t.value = std::string(trim(term.substr(ne + 2)));
    } else if (eq != std::string_view::npos) {
      std::size_t skip = term.substr(eq, 2) == "==" ? 2 : 1;
      t.field = std::string(trim(term.substr(0, eq)));
      t.equals = true;
      t.value = std::string(trim(term.substr(eq + skip)));
    } else {
      return Error{fmt::format("invalid field selector \"{}\": term \"{}\" needs =, == or !=", text, term)};
    }
    if (!field_supported(kind, t.field)) return Error{fmt::format("field label not supported: {}", t.field)};
    out.terms_.push_back(std::move(t));
  }
  return out;
}

bool FieldSelector::matches(const rapidjson::Value& object) const {
  for (const auto& t : terms_) {
    if ((field_value(object, t.field) == t.value) != t.equals) return false;
  }
  return true;
}

std::map<std::string, std::string, std::less<>> labels_of(const rapidjson::Value& object) {
  std::map<std::string, std::string, std::less<>> out;
  const rapidjson::Value* metadata = json::find(object, "metadata");
  const rapidjson::Value* labels = metadata ? json::find(*metadata, "labels") : nullptr;
  if (!labels || !labels->IsObject()) return out;
  for (const auto& m : labels->GetObject()) {
    if (m.value.IsString()) out.emplace(m.name.GetString(), m.value.GetString());
  }
  return out;
}

}  // namespace sluice::apiserver
