// ipamctl release: frees addresses, never one that was reused. An address given with
// --ip is released guarded by the handle and sequence number read just before the
// confirmation; a report's leaks are guarded by what the check saw, and re-judged
// against the cluster's current pods first (as the collector re-validates before it
// releases). A report must come from this cluster (never overridable), be fresh and be
// of this ipamctl version (both overridable with --force).
#include <algorithm>
#include <chrono>
#include <fstream>
#include <map>
#include <set>
#include <sstream>

#include <fmt/format.h>

#include "base/config/duration.hpp"
#include "base/text/table.hpp"
#include "base/time/rfc3339.hpp"
#include "ipam/audit/problems.hpp"
#include "ipam/block/names.hpp"
#include "ipam/ipamctl/cluster.hpp"
#include "ipam/ipamctl/report.hpp"
#include "ipam/ipamctl/session.hpp"
#include "ipam/store/soft_delete.hpp"

namespace sluice::ipamctl {
namespace {

// How far in the future a report's time may be (another machine's clock) before it is
// refused like a stale one.
constexpr auto kClockSkew = std::chrono::minutes(5);

struct Candidate {
  ip::Address address;
  std::string handle_id;
  std::optional<std::uint64_t> sequence_number;
  std::string owner;  // for the confirmation question
};

struct AddressOutcome {
  ip::Address address;
  std::string handle_id;
  std::optional<std::uint64_t> sequence_number;
  enum class Kind { released, skipped, failed } kind;
  std::string reason;
};

struct HandleOutcome {
  std::string handle_id;
  bool deleted = false;
  bool failed = false;
  std::string reason;
};

struct Outcomes {
  std::vector<AddressOutcome> addresses;
  std::vector<HandleOutcome> handles;
  std::size_t count(AddressOutcome::Kind kind) const {
    return std::count_if(addresses.begin(), addresses.end(), [&](const AddressOutcome& o) { return o.kind == kind; });
  }
  bool failed() const {
    return count(AddressOutcome::Kind::failed) > 0 ||
           std::any_of(handles.begin(), handles.end(), [](const HandleOutcome& h) { return h.failed; });
  }
};

void skip(Outcomes& o, const ip::Address& address, std::string handle, std::optional<std::uint64_t> sequence,
          std::string reason) {
  o.addresses.push_back({address, std::move(handle), sequence, AddressOutcome::Kind::skipped, std::move(reason)});
}

boost::asio::awaitable<void> release_one(Session& s, const Candidate& c, Outcomes& outcomes) {
  std::vector<ipam::ReleaseOptions> requests{ipam::ReleaseOptions{c.address, c.handle_id, c.sequence_number}};
  auto result = co_await s.allocator.release_ips(requests);
  AddressOutcome o{c.address, c.handle_id, c.sequence_number, AddressOutcome::Kind::released, {}};
  if (!result) {
    if (result.error().code == ipam::kBadSequenceNumber) {
      o.kind = AddressOutcome::Kind::skipped;
      o.reason = "reallocated since it was seen (its sequence number changed)";
    } else if (result.error().code == ipam::kBadHandle) {
      o.kind = AddressOutcome::Kind::skipped;
      o.reason = "now held by another handle";
    } else {
      o.kind = AddressOutcome::Kind::failed;
      o.reason = result.error().message;
    }
  } else if (std::find(result->released.begin(), result->released.end(), c.address) == result->released.end()) {
    o.kind = AddressOutcome::Kind::skipped;
    o.reason = "no longer allocated";
  }
  outcomes.addresses.push_back(std::move(o));
}

std::string describe_candidates(const std::vector<Candidate>& candidates) {
  std::string out;
  for (const auto& c : candidates) {
    out += fmt::format("\n  {} ({}, handle {})", c.address.to_string(), c.owner, c.handle_id.empty() ? "none" : c.handle_id);
  }
  return out;
}

int print_outcomes(Session& s, const Outcomes& o) {
  using Kind = AddressOutcome::Kind;
  if (s.json()) {
    rapidjson::StringBuffer buffer;
    JsonWriter w(buffer);
    w.StartObject();
    for (auto [key, kind] : {std::pair{"released", Kind::released}, std::pair{"skipped", Kind::skipped},
                             std::pair{"failed", Kind::failed}}) {
      w.Key(key);
      w.StartArray();
      for (const auto& a : o.addresses) {
        if (a.kind != kind) continue;
        w.StartObject();
        write_string(w, "address", a.address.to_string());
        write_string(w, "handle", a.handle_id);
        if (a.sequence_number) {
          w.Key("sequenceNumber");
          w.Uint64(*a.sequence_number);
        }
        if (kind != Kind::released) write_string(w, kind == Kind::failed ? "error" : "reason", a.reason);
        w.EndObject();
      }
      w.EndArray();
    }
    w.Key("deletedHandles");
    w.StartArray();
    for (const auto& h : o.handles)
      if (h.deleted) w.String(h.handle_id.c_str());
    w.EndArray();
    w.Key("skippedHandles");
    w.StartArray();
    for (const auto& h : o.handles) {
      if (h.deleted) continue;
      w.StartObject();
      write_string(w, "handle", h.handle_id);
      write_string(w, h.failed ? "error" : "reason", h.reason);
      w.EndObject();
    }
    w.EndArray();
    w.EndObject();
    s.print_json(buffer);
  } else {
    if (!o.addresses.empty()) {
      text::Table table({"ADDRESS", "HANDLE", "OUTCOME"});
      for (const auto& a : o.addresses)
        table.add_row({a.address.to_string(), a.handle_id.empty() ? "-" : a.handle_id,
                       a.kind == Kind::released  ? std::string("released")
                       : a.kind == Kind::skipped ? "skipped: " + a.reason
                                                 : "failed: " + a.reason});
      s.out() << table.render();
    }
    if (!o.handles.empty()) {
      if (!o.addresses.empty()) s.out() << '\n';
      text::Table table({"HANDLE", "OUTCOME"});
      for (const auto& h : o.handles)
        table.add_row({h.handle_id, h.deleted  ? "deleted (it held no address)"
                                    : h.failed ? "failed: " + h.reason
                                               : "skipped: " + h.reason});
      s.out() << table.render();
    }
    const std::size_t deleted = std::count_if(o.handles.begin(), o.handles.end(), [](const auto& h) { return h.deleted; });
    s.out() << fmt::format("Released {} address{}; skipped {}; failed {}. Deleted {} handle{}.\n",
                           o.count(Kind::released), o.count(Kind::released) == 1 ? "" : "es", o.count(Kind::skipped),
                           o.count(Kind::failed), deleted, deleted == 1 ? "" : "s");
  }
  if (o.failed()) {
    *s.runtime.err << "ipamctl " << s.command << ": some releases failed (see above)\n";
    return kExitFailed;
  }
  return kExitOk;
}

boost::asio::awaitable<int> release_addresses(Session& s, const ReleaseArgs& args) {
  Outcomes outcomes;
  std::vector<Candidate> candidates;
  std::set<ip::Address> seen;
  for (const auto& address : args.ips) {
    if (!seen.insert(address).second) continue;
    auto info = co_await s.allocator.address_info(address);
    if (!info && info.error().code != ipam::kNotFound) co_return s.fail(info.error().message);
    if (!info || !info->allocated) {
      skip(outcomes, address, "", std::nullopt, "not assigned");
      continue;
    }
    candidates.push_back(
        Candidate{address, info->owner.handle_id.value_or(""), info->sequence_number, allocated_to(info->owner)});
  }
  if (!candidates.empty()) {
    const std::string question = fmt::format("Release {} address{}?{}", candidates.size(),
                                             candidates.size() == 1 ? "" : "es", describe_candidates(candidates));
    if (auto refused = s.confirm(args.yes, question)) co_return *refused;
  }
  for (const auto& c : candidates) co_await release_one(s, c, outcomes);
  co_return print_outcomes(s, outcomes);
}

Result<std::string> read_text_file(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) return Error{fmt::format("cannot read the report {}", path)};
  std::ostringstream text;
  text << in.rdbuf();
  if (in.bad()) return Error{fmt::format("cannot read the report {}", path)};
  return text.str();
}

boost::asio::awaitable<int> release_report(Session& s, const ReleaseArgs& args) {
  const std::string& file = args.report_file;
  auto text = read_text_file(file);
  if (!text) co_return s.fail(text.error().message);
  auto decoded = decode_report(*text);
  if (!decoded) co_return s.fail(fmt::format("the report {} is not valid: {}", file, decoded.error().message));
  const Report& report = *decoded;

  auto cluster = co_await read_cluster_identity(s.store);
  if (!cluster) co_return s.fail(cluster.error().message);
  if (!*cluster)
    co_return s.fail(fmt::format("refusing the report {}: it is of cluster GUID {}, and this cluster has no "
                                 "ClusterInformation default with a GUID (a report of another cluster is never used)",
                                 file, report.cluster_guid),
                     kExitRefused);
  if ((*cluster)->guid != report.cluster_guid)
    co_return s.fail(fmt::format("refusing the report {}: it is of another cluster (cluster GUID {}; this cluster's "
                                 "is {}); this is never overridable",
                                 file, report.cluster_guid, (*cluster)->guid),
                     kExitRefused);
  std::vector<std::string> misfits;
  if (report.tool_version != s.runtime.version)
    misfits.push_back(fmt::format("it was written by ipamctl {}, this is ipamctl {}", report.tool_version,
                                  s.runtime.version));
  const auto now = s.runtime.now();
  const auto age = std::chrono::duration_cast<std::chrono::milliseconds>(now - report.time);
  if (age > args.max_report_age)
    misfits.push_back(fmt::format("it is stale: written at {}, {} ago, more than --max-report-age {}",
                                  timefmt::format_rfc3339(report.time), config::format_duration(age),
                                  config::format_duration(args.max_report_age)));
  if (age < -std::chrono::duration_cast<std::chrono::milliseconds>(kClockSkew))
    misfits.push_back(fmt::format("it claims to be written at {}, {} in the future", timefmt::format_rfc3339(report.time),
                                  config::format_duration(-age)));
  if (!misfits.empty()) {
    std::string joined;
    for (const auto& m : misfits) joined += (joined.empty() ? "" : "; ") + m;
    if (!args.force)
      co_return s.fail(fmt::format("refusing the report {}: {} (run ipamctl check --report again, or give --force)",
                                   file, joined),
                       kExitRefused);
    *s.runtime.err << "ipamctl " << s.command << ": warning: using the report " << file << " although " << joined
                   << " (--force)\n";
  }

  // Judge every leak again against the cluster as it is now.
  auto read = co_await ipam::read_snapshot(s.store, true);
  if (!read) co_return s.fail(read.error().to_error().context("reading IPAM's objects, nodes and pods").message);
  const ipam::IpamSnapshot& snapshot = *read;
  std::map<ip::Address, ipam::Allocation> current;
  for (auto& a : ipam::allocations(snapshot)) current.emplace(a.address, std::move(a));
  std::set<std::string> referenced;  // handles some block still holds addresses for
  for (const auto& [address, a] : current)
    if (a.owner.handle_id) referenced.insert(*a.owner.handle_id);

  Outcomes outcomes;
  std::vector<Candidate> candidates;
  for (const auto& leak : report.leaked_addresses) {
    auto it = current.find(leak.address);
    if (it == current.end()) {
      skip(outcomes, leak.address, leak.handle_id, leak.sequence_number, "no longer allocated");
      continue;
    }
    const ipam::Allocation& a = it->second;
    if (a.owner.handle_id.value_or("") != leak.handle_id) {
      skip(outcomes, leak.address, leak.handle_id, leak.sequence_number,
           fmt::format("now held by handle {}", a.owner.handle_id.value_or("(none)")));
      continue;
    }
    if (a.sequence_number != leak.sequence_number) {
      skip(outcomes, leak.address, leak.handle_id, leak.sequence_number,
           fmt::format("reallocated since the report (sequence number {}, the report has {})", a.sequence_number,
                       leak.sequence_number));
      continue;
    }
    if (ipam::classify(a, *snapshot.workloads) == ipam::Validity::valid) {
      skip(outcomes, leak.address, leak.handle_id, leak.sequence_number,
           fmt::format("no longer a leak: {} exists again", allocated_to(a.owner)));
      continue;
    }
    candidates.push_back(Candidate{leak.address, leak.handle_id, leak.sequence_number, allocated_to(a.owner)});
  }
  std::vector<const EmptyHandle*> empty_handles;
  for (const auto& h : report.empty_handles) {
    auto it = std::find_if(snapshot.handles.begin(), snapshot.handles.end(),
                           [&](const k8s::IPAMHandle& x) { return x.spec.handle_id == h.handle_id; });
    if (it == snapshot.handles.end()) {
      outcomes.handles.push_back({h.handle_id, false, false, "already gone"});
    } else if (it->metadata.uid != h.uid || it->metadata.resource_version != h.resource_version) {
      outcomes.handles.push_back({h.handle_id, false, false, "changed since the report"});
    } else if (referenced.count(h.handle_id)) {
      outcomes.handles.push_back({h.handle_id, false, false, "holds addresses again"});
    } else {
      empty_handles.push_back(&h);
    }
  }

  if (!candidates.empty() || !empty_handles.empty()) {
    std::string question =
        fmt::format("Release {} leaked address{} and delete {} empty handle{} listed in the report {} (written at {})?{}",
                    candidates.size(), candidates.size() == 1 ? "" : "es", empty_handles.size(),
                    empty_handles.size() == 1 ? "" : "s", file, timefmt::format_rfc3339(report.time),
                    describe_candidates(candidates));
    for (const auto* h : empty_handles) question += "\n  handle " + h->handle_id;
    if (auto refused = s.confirm(args.yes, question)) co_return *refused;
  }

  std::set<std::string> released_handles;
  for (const auto& c : candidates) {
    co_await release_one(s, c, outcomes);
    if (outcomes.addresses.back().kind == AddressOutcome::Kind::released) released_handles.insert(c.handle_id);
  }
  // Handles the report found empty: deleted only if unchanged since the check.
  for (const auto* h : empty_handles) {
    const std::string object_name = ipam::handle_name(h->handle_id);
    auto handle = co_await ipam::get_live<k8s::IPAMHandle>(s.store, object_name);
    if (!handle) {
      if (handle.error().kind == k8s::ApiErrorKind::not_found) {
        outcomes.handles.push_back({h->handle_id, false, false, "already gone"});
      } else {
        outcomes.handles.push_back({h->handle_id, false, true, handle.error().describe()});
      }
      continue;
    }
    if (handle->metadata.uid != h->uid || handle->metadata.resource_version != h->resource_version) {
      outcomes.handles.push_back({h->handle_id, false, false, "changed since the report"});
      continue;
    }
    auto deleted = co_await ipam::soft_delete(s.store, std::move(*handle));
    if (deleted) {
      outcomes.handles.push_back({h->handle_id, true, false, {}});
    } else if (deleted.error().kind == k8s::ApiErrorKind::conflict ||
               deleted.error().kind == k8s::ApiErrorKind::not_found) {
      outcomes.handles.push_back({h->handle_id, false, false, "changed since the report"});
    } else {
      outcomes.handles.push_back({h->handle_id, false, true, deleted.error().describe()});
    }
  }
  // Handles of released leaks: a release deletes a handle whose count reaches zero; one
  // whose count was wrong is left holding nothing, and is deleted here.
  if (!released_handles.empty()) {
    auto after = co_await ipam::read_snapshot(s.store, false);
    if (!after) co_return s.fail(after.error().to_error().context("re-reading IPAM's objects").message);
    std::set<std::string> still_referenced;
    for (const auto& a : ipam::allocations(*after))
      if (a.owner.handle_id) still_referenced.insert(*a.owner.handle_id);
    for (const auto& h : after->handles) {
      if (!released_handles.count(h.spec.handle_id) || still_referenced.count(h.spec.handle_id)) continue;
      auto deleted = co_await ipam::soft_delete(s.store, h);
      if (deleted || deleted.error().kind == k8s::ApiErrorKind::not_found) {
        outcomes.handles.push_back({h.spec.handle_id, true, false, {}});
      } else if (deleted.error().kind == k8s::ApiErrorKind::conflict) {
        outcomes.handles.push_back({h.spec.handle_id, false, false, "changed while releasing"});
      } else {
        outcomes.handles.push_back({h.spec.handle_id, false, true, deleted.error().describe()});
      }
    }
  }
  co_return print_outcomes(s, outcomes);
}

}  // namespace

boost::asio::awaitable<int> release(Session& s, const ReleaseArgs& args) {
  if (!args.report_file.empty()) co_return co_await release_report(s, args);
  co_return co_await release_addresses(s, args);
}

}  // namespace sluice::ipamctl
