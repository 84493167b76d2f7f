#include "ipam/ipamctl/report.hpp"

#include <charconv>

#include <fmt/format.h>
#include <rapidjson/prettywriter.h>
#include <rapidjson/stringbuffer.h>

#include "base/json/json.hpp"
#include "base/time/rfc3339.hpp"

namespace sluice::ipamctl {
namespace {

using Writer = rapidjson::PrettyWriter<rapidjson::StringBuffer>;

void put(Writer& w, std::string_view key, std::string_view value) {
  w.Key(key.data(), static_cast<rapidjson::SizeType>(key.size()));
  w.String(value.data(), static_cast<rapidjson::SizeType>(value.size()));
}

Result<std::string> get_text(const rapidjson::Value& object, std::string_view member, std::string_view path) {
  auto v = json::get_string(object, member, path);
  if (!v) return v.error();
  return std::string(*v);
}

// Sequence numbers start at a block's creation time in nanoseconds, so they use the
// whole unsigned 64-bit range.
Result<std::uint64_t> get_uint64(const rapidjson::Value& object, std::string_view member, std::string_view path) {
  const rapidjson::Value* v = json::find(object, member);
  const std::string where = fmt::format("{}.{}", path, member);
  if (!v) return Error{where + ": missing"};
  if (v->IsUint64()) return v->GetUint64();
  return Error{fmt::format("{}: expected an unsigned 64-bit integer, got {}", where, json::type_name(*v))};
}

Result<const rapidjson::Value*> get_array(const rapidjson::Value& object, std::string_view member) {
  const rapidjson::Value* v = json::find(object, member);
  if (!v) return Error{std::string(member) + ": missing"};
  if (!v->IsArray()) return Error{fmt::format("{}: expected an array, got {}", member, json::type_name(*v))};
  return v;
}

}  // namespace

std::string encode_report(const Report& report) {
  rapidjson::StringBuffer buffer;
  Writer w(buffer);
  w.StartObject();
  put(w, "kind", kReportKind);
  w.Key("format");
  w.Int(kReportFormat);
  put(w, "clusterGUID", report.cluster_guid);
  put(w, "clusterInformationRevision", report.cluster_information_revision);
  put(w, "toolVersion", report.tool_version);
  put(w, "time", timefmt::format_rfc3339(report.time));
  w.Key("leakedAddresses");
  w.StartArray();
  for (const auto& l : report.leaked_addresses) {
    w.StartObject();
    put(w, "address", l.address.to_string());
    put(w, "handle", l.handle_id);
    w.Key("sequenceNumber");
    w.Uint64(l.sequence_number);
    put(w, "block", l.block);
    put(w, "detail", l.detail);
    w.EndObject();
  }
  w.EndArray();
  w.Key("emptyHandles");
  w.StartArray();
  for (const auto& h : report.empty_handles) {
    w.StartObject();
    put(w, "handle", h.handle_id);
    put(w, "uid", h.uid);
    put(w, "resourceVersion", h.resource_version);
    w.EndObject();
  }
  w.EndArray();
  w.Key("otherProblems");
  w.StartArray();
  for (const auto& p : report.other_problems) {
    w.StartObject();
    put(w, "kind", p.kind);
    put(w, "subject", p.subject);
    put(w, "detail", p.detail);
    w.EndObject();
  }
  w.EndArray();
  w.EndObject();
  return std::string(buffer.GetString(), buffer.GetSize()) + "\n";
}

Result<Report> decode_report(std::string_view text) {
  auto doc = json::parse(text);
  if (!doc) return doc.error();
  const rapidjson::Value& root = *doc;
  if (!root.IsObject()) return Error{fmt::format("expected a JSON object, got {}", json::type_name(root))};
  auto kind = json::get_string(root, "kind", "");
  if (!kind) return kind.error();
  if (*kind != kReportKind) return Error{fmt::format("kind: \"{}\" is not {}", *kind, kReportKind)};
  auto format = json::get_int64(root, "format", "");
  if (!format) return format.error();
  if (*format != kReportFormat)
    return Error{fmt::format("format: {} is not a report format this ipamctl reads ({})", *format, kReportFormat)};

  Report report;
  auto guid = get_text(root, "clusterGUID", "");
  if (!guid) return guid.error();
  report.cluster_guid = std::move(*guid);
  if (json::find(root, "clusterInformationRevision")) {
    auto revision = get_text(root, "clusterInformationRevision", "");
    if (!revision) return revision.error();
    report.cluster_information_revision = std::move(*revision);
  }
  auto version = get_text(root, "toolVersion", "");
  if (!version) return version.error();
  report.tool_version = std::move(*version);
  auto time_text = json::get_string(root, "time", "");
  if (!time_text) return time_text.error();
  auto time = timefmt::parse_rfc3339(*time_text);
  if (!time) return time.error().context("time");
  report.time = *time;

  auto leaks = get_array(root, "leakedAddresses");
  if (!leaks) return leaks.error();
  for (rapidjson::SizeType i = 0; i < (*leaks)->Size(); ++i) {
    const std::string path = fmt::format("leakedAddresses[{}]", i);
    const rapidjson::Value& item = (**leaks)[i];
    if (!item.IsObject()) return Error{fmt::format("{}: expected an object, got {}", path, json::type_name(item))};
    LeakedAddress leak;
    auto address_text = json::get_string(item, "address", path);
    if (!address_text) return address_text.error();
    auto address = ip::Address::parse(*address_text);
    if (!address) return address.error().context(path + ".address");
    leak.address = *address;
    auto handle = get_text(item, "handle", path);
    if (!handle) return handle.error();
    if (handle->empty()) return Error{path + ".handle: empty (a release must be guarded by its handle)"};
    leak.handle_id = std::move(*handle);
    auto sequence = get_uint64(item, "sequenceNumber", path);
    if (!sequence) return sequence.error();
    leak.sequence_number = *sequence;
    if (json::find(item, "block")) {
      auto block = get_text(item, "block", path);
      if (!block) return block.error();
      leak.block = std::move(*block);
    }
    if (json::find(item, "detail")) {
      auto detail = get_text(item, "detail", path);
      if (!detail) return detail.error();
      leak.detail = std::move(*detail);
    }
    report.leaked_addresses.push_back(std::move(leak));
  }

  auto handles = get_array(root, "emptyHandles");
  if (!handles) return handles.error();
  for (rapidjson::SizeType i = 0; i < (*handles)->Size(); ++i) {
    const std::string path = fmt::format("emptyHandles[{}]", i);
    const rapidjson::Value& item = (**handles)[i];
    if (!item.IsObject()) return Error{fmt::format("{}: expected an object, got {}", path, json::type_name(item))};
    EmptyHandle handle;
    for (auto [member, target] : {std::pair{"handle", &handle.handle_id}, std::pair{"uid", &handle.uid},
                                  std::pair{"resourceVersion", &handle.resource_version}}) {
      auto v = get_text(item, member, path);
      if (!v) return v.error();
      if (v->empty()) return Error{fmt::format("{}.{}: empty", path, member)};
      *target = std::move(*v);
    }
    report.empty_handles.push_back(std::move(handle));
  }

  if (json::find(root, "otherProblems")) {
    auto problems = get_array(root, "otherProblems");
    if (!problems) return problems.error();
    for (rapidjson::SizeType i = 0; i < (*problems)->Size(); ++i) {
      const std::string path = fmt::format("otherProblems[{}]", i);
      const rapidjson::Value& item = (**problems)[i];
      if (!item.IsObject()) return Error{fmt::format("{}: expected an object, got {}", path, json::type_name(item))};
      ReportedProblem problem;
      for (auto [member, target] : {std::pair{"kind", &problem.kind}, std::pair{"subject", &problem.subject},
                                    std::pair{"detail", &problem.detail}}) {
        auto v = get_text(item, member, path);
        if (!v) return v.error();
        *target = std::move(*v);
      }
      report.other_problems.push_back(std::move(problem));
    }
  }
  return report;
}

}  // namespace sluice::ipamctl
