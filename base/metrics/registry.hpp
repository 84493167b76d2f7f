// Prometheus metrics: counters, gauges and histograms, each in a family with fixed
// label names. Updates are lock-free atomics; rendering is in text_format.hpp.
#pragma once

#include <atomic>
#include <cstdint>
#include <initializer_list>
#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <string_view>
#include <vector>

namespace sluice::metrics {

class Counter {
 public:
  // Counters only go up; a negative increment is a programmer error and is ignored.
  void inc(double by = 1) {
    if (by > 0) value_.fetch_add(by, std::memory_order_relaxed);
  }
  double value() const { return value_.load(std::memory_order_relaxed); }

 private:
  std::atomic<double> value_{0};
};

class Gauge {
 public:
  void set(double v) { value_.store(v, std::memory_order_relaxed); }
  void inc(double by = 1) { value_.fetch_add(by, std::memory_order_relaxed); }
  void dec(double by = 1) { value_.fetch_sub(by, std::memory_order_relaxed); }
  double value() const { return value_.load(std::memory_order_relaxed); }

 private:
  std::atomic<double> value_{0};
};

class Histogram {
 public:
  // `bounds` are the finite upper bounds, strictly increasing; +Inf is implied.
  explicit Histogram(std::vector<double> bounds);
  void observe(double value);

  struct Snapshot {
    std::vector<double> bounds;
    std::vector<std::uint64_t> cumulative;  // one per bound, then the +Inf bucket
    double sum = 0;
    std::uint64_t count = 0;
  };
  Snapshot snapshot() const;

 private:
  std::vector<double> bounds_;
  std::unique_ptr<std::atomic<std::uint64_t>[]> buckets_;  // per bucket, not cumulative
  std::atomic<double> sum_{0};
  std::atomic<std::uint64_t> count_{0};
};

// Default latency buckets in seconds, as Prometheus client libraries use.
std::vector<double> default_buckets();

enum class Kind { counter, gauge, histogram };

class FamilyBase {
 public:
  FamilyBase(Kind kind, std::string name, std::string help, std::vector<std::string> label_names);
  virtual ~FamilyBase() = default;

  Kind kind() const { return kind_; }
  const std::string& name() const { return name_; }
  const std::string& help() const { return help_; }
  const std::vector<std::string>& label_names() const { return label_names_; }

 private:
  Kind kind_;
  std::string name_;
  std::string help_;
  std::vector<std::string> label_names_;
};

template <class M>
class Family : public FamilyBase {
 public:
  Family(Kind kind, std::string name, std::string help, std::vector<std::string> label_names,
         std::vector<double> bounds = {})
      : FamilyBase(kind, std::move(name), std::move(help), std::move(label_names)), bounds_(std::move(bounds)) {}

  // The child for these label values (one per label name, in order), created on first use.
  M& with(std::initializer_list<std::string_view> values);
  M& with(const std::vector<std::string>& values);
  // Drops a child, e.g. when a peer is removed from the config.
  void remove(const std::vector<std::string>& values);

  // Calls visit(label values, metric) in label-value order.
  template <class F>
  void for_each(F&& visit) const {
    std::lock_guard lock(mutex_);
    for (const auto& [values, metric] : children_) visit(values, *metric);
  }

 private:
  mutable std::mutex mutex_;
  std::vector<double> bounds_;
  std::map<std::vector<std::string>, std::unique_ptr<M>> children_;
};

class Registry {
 public:
  // Registration checks names against Prometheus' rules and refuses duplicates
  // (std::invalid_argument: these are constants in code, so a failure is a bug).
  Family<Counter>& counter(std::string name, std::string help, std::vector<std::string> label_names = {});
  Family<Gauge>& gauge(std::string name, std::string help, std::vector<std::string> label_names = {});
  Family<Histogram>& histogram(std::string name, std::string help, std::vector<std::string> label_names = {},
                               std::vector<double> bounds = default_buckets());

  template <class F>
  void for_each_family(F&& visit) const {
    std::lock_guard lock(mutex_);
    for (const auto& family : families_) visit(*family);
  }

 private:
  void check_new(const std::string& name, const std::vector<std::string>& label_names) const;

  mutable std::mutex mutex_;
  std::vector<std::unique_ptr<FamilyBase>> families_;
};

}  // namespace sluice::metrics
