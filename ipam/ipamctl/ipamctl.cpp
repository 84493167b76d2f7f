#include "ipam/ipamctl/ipamctl.hpp"

#include <array>
#include <random>

#include <fmt/format.h>

#include "ipam/ipamctl/session.hpp"

namespace sluice::ipamctl {

Session::Session(ipam::ObjectStore& store_, Runtime& runtime_, std::string command_, CommonArgs common_)
    : store(store_),
      runtime(runtime_),
      command(std::move(command_)),
      common(std::move(common_)),
      allocator(store_, ipam::AllocatorOptions{runtime_.now, 100}) {}

int Session::fail(std::string_view message, int code) {
  *runtime.err << "ipamctl " << command << ": " << message << '\n';
  return code;
}

std::optional<int> Session::confirm(bool yes, std::string_view question) {
  if (yes) return std::nullopt;
  std::optional<bool> answer = runtime.confirm ? runtime.confirm(question) : std::nullopt;
  if (!answer)
    return fail("refusing to change anything without confirmation: stdin is not a terminal (give --yes to proceed)",
                kExitRefused);
  if (!*answer) return fail("not confirmed; nothing was changed", kExitRefused);
  return std::nullopt;
}

void Session::print_json(const rapidjson::StringBuffer& buffer) {
  out() << std::string_view(buffer.GetString(), buffer.GetSize()) << '\n';
}

std::string count_text(Count n) {
  if (n == 0) return "0";
  std::string digits;
  while (n > 0) {
    digits.insert(digits.begin(), static_cast<char>('0' + static_cast<int>(n % 10)));
    n /= 10;
  }
  return digits;
}

void write_count(JsonWriter& w, Count n) {
  const std::string text = count_text(n);
  w.RawValue(text.data(), text.size(), rapidjson::kNumberType);
}

Count size_of(const ip::Prefix& prefix) {
  const int bits = prefix.host_bits();
  if (bits >= 128) return ~Count{0};  // ::/0 is no valid pool; saturate rather than wrap
  return Count{1} << bits;
}

std::string count_with_share(Count n, Count total) {
  if (total == 0) return count_text(n);
  // n * 100 cannot overflow: n counts allocations, far below 2^120.
  const Count percent = n * 100 / total;
  if (percent == 0 && n > 0) return count_text(n) + " (<1%)";
  return fmt::format("{} ({}%)", count_text(n), count_text(percent));
}

void write_string(JsonWriter& w, std::string_view key, std::string_view value) {
  w.Key(key.data(), static_cast<rapidjson::SizeType>(key.size()));
  w.String(value.data(), static_cast<rapidjson::SizeType>(value.size()));
}

std::string attribute(const ipam::Owner& owner, std::string_view key) {
  auto it = owner.attributes.find(std::string(key));
  return it == owner.attributes.end() ? std::string() : it->second;
}

std::string allocated_to(const ipam::Owner& owner) {
  const std::string pod = attribute(owner, ipam::kAttributePod);
  if (!pod.empty()) return attribute(owner, ipam::kAttributeNamespace) + "/" + pod;
  const std::string node = attribute(owner, ipam::kAttributeNode);
  if (!node.empty()) return node;
  return owner.handle_id.value_or("-");
}

std::string allocation_type(const ipam::Owner& owner) {
  const std::string type = attribute(owner, ipam::kAttributeType);
  if (!type.empty()) return type;
  return attribute(owner, ipam::kAttributePod).empty() ? "-" : "pod";
}

bool is_borrowed(const ipam::Allocation& allocation) {
  const std::string node = attribute(allocation.owner, ipam::kAttributeNode);
  return !node.empty() && (!allocation.block_host || *allocation.block_host != node);
}

std::string random_cluster_guid() {
  std::random_device source;
  std::string out;
  for (int i = 0; i < 4; ++i) out += fmt::format("{:08x}", static_cast<std::uint32_t>(source()));
  return out;
}

boost::asio::awaitable<int> run(std::vector<std::string> args, Runtime& runtime) {
  auto invocation = parse_command_line(args, runtime.version);
  if (!invocation) {
    *runtime.err << invocation.error().message << '\n';
    co_return kExitUsage;
  }
  if (const auto* print = std::get_if<PrintAndExit>(&invocation->command)) {
    *runtime.out << print->text;
    co_return kExitOk;
  }
  auto store = runtime.connect(invocation->common.connection);
  if (!store) {
    *runtime.err << "ipamctl " << invocation->name << ": " << store.error().message << '\n';
    co_return kExitFailed;
  }
  Session session(**store, runtime, invocation->name, invocation->common);
  const Command& command = invocation->command;
  if (const auto* a = std::get_if<ShowArgs>(&command)) co_return co_await show(session, *a);
  if (const auto* a = std::get_if<CheckArgs>(&command)) co_return co_await check(session, *a);
  if (const auto* a = std::get_if<ReleaseArgs>(&command)) co_return co_await release(session, *a);
  if (const auto* a = std::get_if<SplitArgs>(&command)) co_return co_await split(session, *a);
  if (const auto* a = std::get_if<ConfigureArgs>(&command)) co_return co_await configure(session, *a);
  co_return kExitUsage;
}

}  // namespace sluice::ipamctl
