// The report `ipamctl check --report` writes and `ipamctl release --from-report` acts
// on: which cluster (GUID) and tool version wrote it and when, every leaked address with
// what a guarded release needs (handle, sequence number), the handles that held nothing
// with the version seen (so a handle that changed since is never deleted), and every
// other problem, for people.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "base/ip/address.hpp"
#include "base/result.hpp"
#include "ipam/block/allocation_block.hpp"

namespace sluice::ipamctl {

inline constexpr std::string_view kReportKind = "IPAMCheckReport";
inline constexpr int kReportFormat = 1;

struct LeakedAddress {
  ip::Address address;
  std::string handle_id;
  std::uint64_t sequence_number = 0;
  std::string block;
  std::string detail;  // why it is a leak, for people
  friend bool operator==(const LeakedAddress&, const LeakedAddress&) = default;
};

struct EmptyHandle {
  std::string handle_id;
  std::string uid;
  std::string resource_version;
  friend bool operator==(const EmptyHandle&, const EmptyHandle&) = default;
};

struct ReportedProblem {
  std::string kind;  // ipam::to_string(ProblemKind)
  std::string subject;
  std::string detail;
  friend bool operator==(const ReportedProblem&, const ReportedProblem&) = default;
};

struct Report {
  std::string cluster_guid;
  std::string cluster_information_revision;
  std::string tool_version;
  ipam::TimePoint time;  // whole seconds
  std::vector<LeakedAddress> leaked_addresses;
  std::vector<EmptyHandle> empty_handles;
  std::vector<ReportedProblem> other_problems;
  friend bool operator==(const Report&, const Report&) = default;
};

std::string encode_report(const Report& report);
// Errors name the field: `leakedAddresses[2].sequenceNumber: expected an unsigned integer`.
Result<Report> decode_report(std::string_view json);

}  // namespace sluice::ipamctl
