#include "base/config/options.hpp"

#include <algorithm>

#include "base/config/duration.hpp"

extern char** environ;

namespace sluice::config {
namespace {

std::size_t edit_distance(std::string_view a, std::string_view b) {
  std::vector<std::size_t> row(b.size() + 1);
  for (std::size_t j = 0; j <= b.size(); ++j) row[j] = j;
  for (std::size_t i = 1; i <= a.size(); ++i) {
    std::size_t diagonal = row[0];
    row[0] = i;
    for (std::size_t j = 1; j <= b.size(); ++j) {
      std::size_t above = row[j];
      row[j] = std::min({row[j] + 1, row[j - 1] + 1, diagonal + (a[i - 1] == b[j - 1] ? 0 : 1)});
      diagonal = above;
    }
  }
  return row[b.size()];
}

}  // namespace

Environment process_environment() {
  Environment env;
  for (char** e = environ; e && *e; ++e) {
    std::string_view entry(*e);
    auto eq = entry.find('=');
    if (eq != std::string_view::npos) env.emplace(entry.substr(0, eq), entry.substr(eq + 1));
  }
  return env;
}

Options::Options(std::string program, std::string summary) : program_(std::move(program)), summary_(std::move(summary)) {}

Options& Options::add(std::string name, std::string env, std::string value_name, std::string default_text,
                      std::string help, std::function<Status(std::string_view)> apply, bool is_switch) {
  specs_.push_back(Spec{std::move(name), std::move(env), std::move(value_name), std::move(default_text),
                        std::move(help), std::move(apply), is_switch});
  return *this;
}

Options& Options::string(std::string name, std::string env, std::string* target, std::string help) {
  return add(std::move(name), std::move(env), "STRING", *target, std::move(help), [target](std::string_view v) -> Status {
    *target = std::string(v);
    return {};
  });
}

Options& Options::choice(std::string name, std::string env, std::string* target, std::vector<std::string> choices,
                         std::string help) {
  std::string value_name;
  for (const auto& c : choices) value_name += (value_name.empty() ? "" : "|") + c;
  return add(std::move(name), std::move(env), value_name, *target, std::move(help),
             [target, choices = std::move(choices), value_name](std::string_view v) -> Status {
               if (std::find(choices.begin(), choices.end(), v) == choices.end()) {
                 return Error{fmt::format("\"{}\" is not one of {}", v, value_name)};
               }
               *target = std::string(v);
               return {};
             });
}

Options& Options::boolean(std::string name, std::string env, bool* target, std::string help) {
  return add(std::move(name), std::move(env), "", *target ? "true" : "false", std::move(help),
             [target](std::string_view v) -> Status {
               auto b = parse_bool(v);
               if (!b) return b.error();
               *target = *b;
               return {};
             },
             true);
}

Options& Options::duration(std::string name, std::string env, std::chrono::milliseconds* target, std::string help) {
  return add(std::move(name), std::move(env), "DURATION", format_duration(*target), std::move(help),
             [target](std::string_view v) -> Status {
               auto d = parse_duration(v);
               if (!d) return d.error();
               *target = *d;
               return {};
             });
}

Options& Options::repeated(std::string name, std::string env, std::vector<std::string>* target,
                           std::string value_name, std::string help) {
  add(std::move(name), std::move(env), std::move(value_name), "", std::move(help), [target](std::string_view v) -> Status {
    target->emplace_back(v);
    return {};
  });
  specs_.back().is_repeated = true;
  return *this;
}

Options& Options::positional(std::string usage) {
  positional_usage_ = std::move(usage);
  return *this;
}

Result<long long> Options::parse_integer(std::string_view text, long long min, long long max) {
  if (text.empty()) return Error{"expected an integer, got an empty value"};
  bool negative = text[0] == '-';
  std::string_view digits = negative ? text.substr(1) : text;
  if (digits.empty()) return Error{fmt::format("\"{}\" is not an integer", text)};
  unsigned long long magnitude = 0;
  for (char c : digits) {
    if (c < '0' || c > '9') return Error{fmt::format("\"{}\" is not an integer", text)};
    if (magnitude > (std::numeric_limits<unsigned long long>::max() - 9) / 10) {
      return Error{fmt::format("{} is out of range {}..{}", text, min, max)};
    }
    magnitude = magnitude * 10 + static_cast<unsigned long long>(c - '0');
  }
  // Compare in a type that holds both bounds and the magnitude without overflow.
  __int128 value = negative ? -static_cast<__int128>(magnitude) : static_cast<__int128>(magnitude);
  if (value < min || value > max) return Error{fmt::format("{} is out of range {}..{}", text, min, max)};
  return static_cast<long long>(value);
}

Result<bool> Options::parse_bool(std::string_view text) {
  if (text == "true" || text == "1" || text == "yes") return true;
  if (text == "false" || text == "0" || text == "no") return false;
  return Error{fmt::format("\"{}\" is not a boolean (use true or false)", text)};
}

const Options::Spec* Options::find(std::string_view name) const {
  for (const Spec& s : specs_) {
    if (s.name == name) return &s;
  }
  return nullptr;
}

std::string Options::suggest(std::string_view name) const {
  const Spec* best = nullptr;
  std::size_t best_distance = 3;  // only near misses are worth suggesting
  for (const Spec& s : specs_) {
    std::size_t d = edit_distance(name, s.name);
    if (d < best_distance) {
      best = &s;
      best_distance = d;
    }
  }
  return best ? fmt::format("; did you mean --{}?", best->name) : "";
}

Result<Options::Parsed> Options::parse(int argc, const char* const* argv, const Environment& env) const {
  std::vector<std::string> args;
  for (int i = 1; i < argc; ++i) args.emplace_back(argv[i]);
  return parse(args, env);
}

Result<Options::Parsed> Options::parse(std::span<const std::string> args, const Environment& env) const {
  Parsed parsed;
  std::map<const Spec*, std::vector<std::string>> from_flags;  // in order; single-valued flags use the last
  bool flags_done = false;
  for (std::size_t i = 0; i < args.size(); ++i) {
    std::string_view arg = args[i];
    if (flags_done || arg.size() < 2 || arg[0] != '-' || arg == "-") {
      if (positional_usage_.empty()) {
        return Error{fmt::format("{}: unexpected argument \"{}\" (see --help)", program_, arg)};
      }
      parsed.positional.emplace_back(arg);
      continue;
    }
    if (arg == "--") {
      flags_done = true;
      continue;
    }
    if (arg == "-h" || arg == "--help") {
      parsed.help = true;
      continue;
    }
    if (arg.substr(0, 2) != "--") {
      return Error{fmt::format("{}: unknown flag \"{}\" (flags are written --name; see --help)", program_, arg)};
    }
    std::string_view body = arg.substr(2);
    std::size_t eq = body.find('=');
    std::string_view name = body.substr(0, eq);
    const Spec* spec = find(name);
    if (!spec) return Error{fmt::format("{}: unknown flag --{}{}", program_, name, suggest(name))};
    if (eq != std::string_view::npos) {
      from_flags[spec].emplace_back(body.substr(eq + 1));
    } else if (spec->is_switch) {
      from_flags[spec].emplace_back("true");
    } else if (i + 1 < args.size()) {
      from_flags[spec].push_back(args[++i]);
    } else {
      return Error{fmt::format("{}: flag --{} needs a value ({})", program_, name, spec->value_name)};
    }
  }
  if (parsed.help) return parsed;

  for (const Spec& spec : specs_) {
    if (auto it = from_flags.find(&spec); it != from_flags.end()) {
      const auto& values = it->second;
      for (auto v = spec.is_repeated ? values.begin() : values.end() - 1; v != values.end(); ++v)
        if (auto s = spec.apply(*v); !s) return s.error().context(fmt::format("{}: flag --{}", program_, spec.name));
      continue;
    }
    if (spec.env.empty()) continue;
    // An empty variable counts as unset, as Kubernetes manifests often leave them.
    if (auto it = env.find(spec.env); it != env.end() && !it->second.empty()) {
      if (auto s = spec.apply(it->second); !s) {
        return s.error().context(fmt::format("{}: environment variable {}", program_, spec.env));
      }
    }
  }
  return parsed;
}

std::string Options::help() const {
  std::string out = fmt::format("Usage: {} [flags]{}\n\n{}\n\nFlags:\n", program_,
                                positional_usage_.empty() ? "" : " " + positional_usage_, summary_);
  for (const Spec& s : specs_) {
    out += fmt::format("  --{}{}{}\n", s.name, s.value_name.empty() ? "" : " " + s.value_name,
                       s.is_repeated ? " (repeatable)" : "");
    out += fmt::format("      {}\n", s.help);
    std::string facts;
    if (!s.env.empty()) facts += fmt::format("env {}", s.env);
    if (!s.default_text.empty()) facts += fmt::format("{}default {}", facts.empty() ? "" : "; ", s.default_text);
    if (!facts.empty()) out += fmt::format("      ({})\n", facts);
  }
  out += "  -h, --help\n      Print this help and exit.\n\n";
  out += "A flag overrides its environment variable, which overrides the default. An empty variable is ignored.\n";
  return out;
}

}  // namespace sluice::config
