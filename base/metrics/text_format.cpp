#include "base/metrics/text_format.hpp"

#include <cmath>

#include <fmt/format.h>

namespace sluice::metrics {
namespace {

std::string escape_help(std::string_view text) {
  std::string out;
  for (char c : text) {
    if (c == '\\') out += "\\\\";
    else if (c == '\n') out += "\\n";
    else out += c;
  }
  return out;
}

std::string escape_label_value(std::string_view text) {
  std::string out;
  for (char c : text) {
    if (c == '\\') out += "\\\\";
    else if (c == '\n') out += "\\n";
    else if (c == '"') out += "\\\"";
    else out += c;
  }
  return out;
}

// {a="1",b="2"} with an optional extra label (histograms' "le"); empty when no labels.
std::string label_set(const std::vector<std::string>& names, const std::vector<std::string>& values,
                      std::string_view extra_name = {}, std::string_view extra_value = {}) {
  std::string out;
  for (std::size_t i = 0; i < names.size(); ++i) {
    out += fmt::format("{}{}=\"{}\"", out.empty() ? "" : ",", names[i], escape_label_value(values[i]));
  }
  if (!extra_name.empty()) out += fmt::format("{}{}=\"{}\"", out.empty() ? "" : ",", extra_name, extra_value);
  return out.empty() ? out : "{" + out + "}";
}

std::string_view type_name(Kind kind) {
  switch (kind) {
    case Kind::counter: return "counter";
    case Kind::gauge: return "gauge";
    case Kind::histogram: return "histogram";
  }
  return "untyped";
}

}  // namespace

std::string format_value(double value) {
  if (std::isnan(value)) return "NaN";
  if (std::isinf(value)) return value > 0 ? "+Inf" : "-Inf";
  return fmt::format("{}", value);
}

std::string render_text(const Registry& registry) {
  std::string out;
  registry.for_each_family([&](const FamilyBase& family) {
    out += fmt::format("# HELP {} {}\n# TYPE {} {}\n", family.name(), escape_help(family.help()), family.name(),
                       type_name(family.kind()));
    const auto& names = family.label_names();
    switch (family.kind()) {
      case Kind::counter:
        static_cast<const Family<Counter>&>(family).for_each([&](const auto& values, const Counter& c) {
          out += fmt::format("{}{} {}\n", family.name(), label_set(names, values), format_value(c.value()));
        });
        break;
      case Kind::gauge:
        static_cast<const Family<Gauge>&>(family).for_each([&](const auto& values, const Gauge& g) {
          out += fmt::format("{}{} {}\n", family.name(), label_set(names, values), format_value(g.value()));
        });
        break;
      case Kind::histogram:
        static_cast<const Family<Histogram>&>(family).for_each([&](const auto& values, const Histogram& h) {
          auto s = h.snapshot();
          for (std::size_t i = 0; i < s.bounds.size(); ++i) {
            out += fmt::format("{}_bucket{} {}\n", family.name(), label_set(names, values, "le", format_value(s.bounds[i])),
                               s.cumulative[i]);
          }
          out += fmt::format("{}_bucket{} {}\n", family.name(), label_set(names, values, "le", "+Inf"), s.cumulative.back());
          out += fmt::format("{}_sum{} {}\n", family.name(), label_set(names, values), format_value(s.sum));
          out += fmt::format("{}_count{} {}\n", family.name(), label_set(names, values), s.count);
        });
        break;
    }
  });
  return out;
}

}  // namespace sluice::metrics
