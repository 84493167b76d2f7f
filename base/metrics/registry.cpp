#include "base/metrics/registry.hpp"

#include <algorithm>
#include <cmath>
#include <stdexcept>

#include <fmt/format.h>

namespace sluice::metrics {
namespace {

bool valid_metric_name(std::string_view n) {
  if (n.empty()) return false;
  for (std::size_t i = 0; i < n.size(); ++i) {
    char c = n[i];
    bool ok = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c == '_' || c == ':' || (i > 0 && c >= '0' && c <= '9');
    if (!ok) return false;
  }
  return true;
}

bool valid_label_name(std::string_view n) {
  if (n.empty() || n.substr(0, 2) == "__") return false;
  for (std::size_t i = 0; i < n.size(); ++i) {
    char c = n[i];
    bool ok = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c == '_' || (i > 0 && c >= '0' && c <= '9');
    if (!ok) return false;
  }
  return true;
}

}  // namespace

Histogram::Histogram(std::vector<double> bounds)
    : bounds_(std::move(bounds)), buckets_(new std::atomic<std::uint64_t>[bounds_.size() + 1]) {
  for (std::size_t i = 0; i <= bounds_.size(); ++i) buckets_[i] = 0;
}

void Histogram::observe(double value) {
  if (std::isnan(value)) return;  // a NaN would land in an arbitrary bucket
  // The first bucket whose upper bound is >= value ("le" is inclusive).
  auto index = static_cast<std::size_t>(std::lower_bound(bounds_.begin(), bounds_.end(), value) - bounds_.begin());
  buckets_[index].fetch_add(1, std::memory_order_relaxed);
  sum_.fetch_add(value, std::memory_order_relaxed);
  count_.fetch_add(1, std::memory_order_relaxed);
}

Histogram::Snapshot Histogram::snapshot() const {
  Snapshot s;
  s.bounds = bounds_;
  std::uint64_t running = 0;
  for (std::size_t i = 0; i <= bounds_.size(); ++i) {
    running += buckets_[i].load(std::memory_order_relaxed);
    s.cumulative.push_back(running);
  }
  s.sum = sum_.load(std::memory_order_relaxed);
  // Report the bucket total as the count so a scrape is self-consistent.
  s.count = running;
  return s;
}

std::vector<double> default_buckets() { return {0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10}; }

FamilyBase::FamilyBase(Kind kind, std::string name, std::string help, std::vector<std::string> label_names)
    : kind_(kind), name_(std::move(name)), help_(std::move(help)), label_names_(std::move(label_names)) {}

template <class M>
M& Family<M>::with(std::initializer_list<std::string_view> values) {
  return with(std::vector<std::string>(values.begin(), values.end()));
}

template <class M>
M& Family<M>::with(const std::vector<std::string>& values) {
  if (values.size() != label_names().size()) {
    throw std::invalid_argument(fmt::format("metric {} has {} labels, {} values given", name(), label_names().size(),
                                            values.size()));
  }
  std::lock_guard lock(mutex_);
  auto& slot = children_[values];
  if (!slot) {
    if constexpr (std::is_same_v<M, Histogram>) {
      slot = std::make_unique<M>(bounds_);
    } else {
      slot = std::make_unique<M>();
    }
  }
  return *slot;
}

template <class M>
void Family<M>::remove(const std::vector<std::string>& values) {
  std::lock_guard lock(mutex_);
  children_.erase(values);
}

template class Family<Counter>;
template class Family<Gauge>;
template class Family<Histogram>;

void Registry::check_new(const std::string& name, const std::vector<std::string>& label_names) const {
  if (!valid_metric_name(name)) throw std::invalid_argument(fmt::format("invalid metric name \"{}\"", name));
  for (const auto& l : label_names) {
    if (!valid_label_name(l) || l == "le") {
      throw std::invalid_argument(fmt::format("invalid label name \"{}\" on metric {}", l, name));
    }
  }
  for (const auto& f : families_) {
    if (f->name() == name) throw std::invalid_argument(fmt::format("metric {} is registered twice", name));
  }
}

Family<Counter>& Registry::counter(std::string name, std::string help, std::vector<std::string> label_names) {
  std::lock_guard lock(mutex_);
  check_new(name, label_names);
  auto family = std::make_unique<Family<Counter>>(Kind::counter, std::move(name), std::move(help), std::move(label_names));
  auto& ref = *family;
  families_.push_back(std::move(family));
  return ref;
}

Family<Gauge>& Registry::gauge(std::string name, std::string help, std::vector<std::string> label_names) {
  std::lock_guard lock(mutex_);
  check_new(name, label_names);
  auto family = std::make_unique<Family<Gauge>>(Kind::gauge, std::move(name), std::move(help), std::move(label_names));
  auto& ref = *family;
  families_.push_back(std::move(family));
  return ref;
}

Family<Histogram>& Registry::histogram(std::string name, std::string help, std::vector<std::string> label_names,
                                       std::vector<double> bounds) {
  std::lock_guard lock(mutex_);
  check_new(name, label_names);
  if (bounds.empty() || !std::is_sorted(bounds.begin(), bounds.end()) ||
      std::adjacent_find(bounds.begin(), bounds.end()) != bounds.end() ||
      !std::all_of(bounds.begin(), bounds.end(), [](double b) { return std::isfinite(b); })) {
    throw std::invalid_argument(fmt::format("histogram {} needs finite, strictly increasing bucket bounds", name));
  }
  auto family = std::make_unique<Family<Histogram>>(Kind::histogram, std::move(name), std::move(help),
                                                    std::move(label_names), std::move(bounds));
  auto& ref = *family;
  families_.push_back(std::move(family));
  return ref;
}

}  // namespace sluice::metrics
