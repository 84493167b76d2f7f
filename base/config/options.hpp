// Command-line flags and environment variables, declared once with their defaults and
// help, parsed with one precedence everywhere: a flag beats its environment variable,
// which beats the built-in default. Every bad value gets an error naming its source.
#pragma once

#include <chrono>
#include <concepts>
#include <functional>
#include <limits>
#include <map>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include <fmt/format.h>

#include "base/result.hpp"

namespace sluice::config {

using Environment = std::map<std::string, std::string, std::less<>>;
// The process environment (from `environ`).
Environment process_environment();

class Options {
 public:
  struct Parsed {
    bool help = false;                   // --help / -h was given: print help() and exit 0
    std::vector<std::string> positional;
  };

  Options(std::string program, std::string summary);

  // The general form: `apply` parses and stores one value; `default_text` is for help.
  Options& add(std::string name, std::string env, std::string value_name, std::string default_text, std::string help,
               std::function<Status(std::string_view)> apply, bool is_switch = false);

  Options& string(std::string name, std::string env, std::string* target, std::string help);
  Options& choice(std::string name, std::string env, std::string* target, std::vector<std::string> choices,
                  std::string help);
  // A switch: "--name" sets true; "--name=false" and env values true/false/1/0 also work.
  Options& boolean(std::string name, std::string env, bool* target, std::string help);
  Options& duration(std::string name, std::string env, std::chrono::milliseconds* target, std::string help);
  // A flag that may be given many times: every occurrence is appended to `target`, in
  // order (a single-valued flag keeps only its last). Its variable, used when no flag is
  // given, holds one value.
  Options& repeated(std::string name, std::string env, std::vector<std::string>* target, std::string value_name,
                    std::string help);

  template <std::integral T>
  Options& integer(std::string name, std::string env, T* target, T min, T max, std::string help) {
    return add(std::move(name), std::move(env), "N", fmt::format("{}", *target), std::move(help),
               [target, min, max](std::string_view text) -> Status {
                 auto v = parse_integer(text, static_cast<long long>(min), static_cast<long long>(max));
                 if (!v) return v.error();
                 *target = static_cast<T>(*v);
                 return {};
               });
  }

  // Positional arguments are refused unless the program names them here (for help).
  Options& positional(std::string usage);

  // `args` excludes the program name.
  Result<Parsed> parse(std::span<const std::string> args, const Environment& env) const;
  Result<Parsed> parse(int argc, const char* const* argv, const Environment& env) const;

  std::string help() const;

  static Result<long long> parse_integer(std::string_view text, long long min, long long max);
  static Result<bool> parse_bool(std::string_view text);

 private:
  struct Spec {
    std::string name;  // without the leading "--"
    std::string env;   // empty: no environment variable
    std::string value_name;
    std::string default_text;
    std::string help;
    std::function<Status(std::string_view)> apply;
    bool is_switch;
    bool is_repeated = false;
  };
  const Spec* find(std::string_view name) const;
  std::string suggest(std::string_view name) const;

  std::string program_;
  std::string summary_;
  std::string positional_usage_;
  std::vector<Spec> specs_;
};

}  // namespace sluice::config
