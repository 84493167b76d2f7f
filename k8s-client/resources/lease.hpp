// coordination.k8s.io/v1 Lease, for leader election.
#pragma once

#include <cstdint>
#include <optional>
#include <string>

#include "k8s-client/resources/resource_kind.hpp"

namespace sluice::k8s {

struct LeaseSpec {
  std::optional<std::string> holder_identity;
  std::optional<std::int32_t> lease_duration_seconds;
  std::optional<std::string> acquire_time;  // RFC 3339 with microseconds
  std::optional<std::string> renew_time;
  std::optional<std::int32_t> lease_transitions;
  UnknownFields unknown;
  friend bool operator==(const LeaseSpec&, const LeaseSpec&) = default;
};
template <>
struct FieldTable<LeaseSpec> {
  using S = LeaseSpec;
  static constexpr auto fields = std::tuple{
      field::optional("holderIdentity", &S::holder_identity),
      field::optional("leaseDurationSeconds", &S::lease_duration_seconds),
      field::optional("acquireTime", &S::acquire_time),
      field::optional("renewTime", &S::renew_time),
      field::optional("leaseTransitions", &S::lease_transitions),
  };
};

struct Lease {
  static constexpr ResourceKind resource{"coordination.k8s.io", "v1", "coordination.k8s.io/v1", "Lease", "LeaseList",
                                         "leases", "lease", true};
  ObjectMeta metadata;
  LeaseSpec spec;
  UnknownFields unknown;
  friend bool operator==(const Lease&, const Lease&) = default;
};
template <>
struct FieldTable<Lease> {
  using S = Lease;
  static constexpr auto fields = std::tuple{
      field::required("metadata", &S::metadata),
      field::always("spec", &S::spec),
  };
};

}  // namespace sluice::k8s
