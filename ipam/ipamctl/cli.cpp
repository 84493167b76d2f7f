#include "ipam/ipamctl/cli.hpp"

#include <array>
#include <limits>

#include <fmt/format.h>

#include "base/config/options.hpp"

namespace sluice::ipamctl {
namespace {

constexpr std::array<std::string_view, 5> kCommands{"show", "check", "release", "split", "configure"};

std::string command_list() {
  std::string out;
  for (auto c : kCommands) out += (out.empty() ? "" : ", ") + std::string(c);
  return out;
}

// kubectl's habit `-o json` is a short flag; Options knows only --name, so it is
// rewritten first ("-o X", "-oX", "-o=X").
std::vector<std::string> expand_short_flags(std::span<const std::string> args) {
  std::vector<std::string> out;
  bool flags_done = false;
  for (const auto& a : args) {
    if (flags_done) {
      out.push_back(a);
    } else if (a == "--") {
      flags_done = true;
      out.push_back(a);
    } else if (a == "-o") {
      out.emplace_back("--output");
    } else if (a.size() > 2 && a.compare(0, 2, "-o") == 0) {
      out.push_back("--output=" + a.substr(a[2] == '=' ? 3 : 2));
    } else {
      out.push_back(a);
    }
  }
  return out;
}

// A string flag whose help names what the value is (FILE, ADDRESS, ...).
config::Options& text_flag(config::Options& options, std::string name, std::string* target, std::string value_name,
                           std::string help) {
  return options.add(std::move(name), "", std::move(value_name), "", std::move(help),
                     [target](std::string_view v) -> Status {
                       *target = std::string(v);
                       return {};
                     });
}

void add_common(config::Options& options, CommonArgs& common, std::string& output) {
  text_flag(options, "kubeconfig", &common.connection.kubeconfig, "FILE",
            "kubeconfig file to use. Empty: $KUBECONFIG, then ~/.kube/config, then the pod's service account.");
  text_flag(options, "context", &common.connection.context, "NAME",
            "kubeconfig context to use. Empty: the current context.");
  options
      .choice("output", "", &output, {"table", "json"}, "Output format (also -o json).");
}

// Optional values: the flag is applied only when given, so "not given" stays distinct
// from any value.
template <class T>
std::function<Status(std::string_view)> set_integer(std::optional<T>* target, long long min, long long max) {
  return [target, min, max](std::string_view text) -> Status {
    auto v = config::Options::parse_integer(text, min, max);
    if (!v) return v.error();
    *target = static_cast<T>(*v);
    return {};
  };
}

bool is_power_of_two_at_least_2(long long n) { return n >= 2 && (n & (n - 1)) == 0; }

}  // namespace

std::string tool_help() {
  return "Usage: ipamctl COMMAND [flags]\n"
         "\n"
         "Inspects and repairs Sluice's (and Calico's) IP address management, stored as\n"
         "crd.projectcalico.org/v1 objects in the Kubernetes API.\n"
         "\n"
         "Commands:\n"
         "  show        Pool utilisation; --show-blocks, --show-borrowed, --ip ADDRESS,\n"
         "              --show-configuration.\n"
         "  check       Checks IPAM against itself and against the cluster's nodes and pods;\n"
         "              --report FILE writes what `release --from-report` needs.\n"
         "  release     Releases addresses: --ip ADDRESS (repeatable), or every leak of a\n"
         "              report (--from-report FILE), each guarded by its handle and sequence number.\n"
         "  split       Splits an IP pool into NUMBER (a power of two) equal pools.\n"
         "  configure   Writes the IPAMConfig \"default\".\n"
         "\n"
         "Common flags: --kubeconfig FILE, --context NAME, -o/--output table|json, -h/--help.\n"
         "`ipamctl COMMAND --help` describes a command; `ipamctl --version` prints the version.\n"
         "\n"
         "Exit status: 0 done (check: it ran, whatever it found); 1 a failure reading or writing\n"
         "the cluster; 2 bad arguments, or a change validation refuses (nothing changed);\n"
         "3 refused for safety (no confirmation, a report that does not fit; nothing changed).\n";
}

Result<Invocation> parse_command_line(std::span<const std::string> raw, std::string_view version) {
  if (raw.empty())
    return Error{fmt::format("ipamctl: no command given (one of {}; see --help)", command_list())};
  const std::string& first = raw[0];
  if (first == "-h" || first == "--help" || first == "help") {
    if (first == "help" && raw.size() > 1) {
      std::vector<std::string> again{raw[1], "--help"};
      return parse_command_line(again, version);
    }
    return Invocation{"", {}, PrintAndExit{tool_help()}};
  }
  if (first == "--version" || first == "version") return Invocation{"", {}, PrintAndExit{fmt::format("ipamctl {}\n", version)}};
  if (!first.empty() && first[0] == '-')
    return Error{fmt::format("ipamctl: \"{}\" before the command: write ipamctl COMMAND [flags] (see --help)", first)};
  bool known = false;
  for (auto c : kCommands) known = known || c == first;
  if (!known) return Error{fmt::format("ipamctl: unknown command \"{}\" (one of {})", first, command_list())};

  const std::vector<std::string> args = expand_short_flags(raw.subspan(1));
  const std::string program = "ipamctl " + first;
  Invocation invocation{first, {}, PrintAndExit{}};
  CommonArgs& common = invocation.common;
  std::string output = "table";
  const config::Environment no_environment;  // ipamctl reads no variables of its own (KUBECONFIG aside)
  auto finish_common = [&] { common.output = output == "json" ? OutputFormat::json : OutputFormat::table; };

  if (first == "show") {
    ShowArgs show;
    std::string ip;
    config::Options options(program,
                            "Shows, per IP pool, how many addresses it has, how many are in use, reserved (by "
                            "IPReservations) and free. At most one of the --show-* and --ip flags.");
    options.boolean("show-blocks", "", &show.show_blocks, "Also a row per block, under its pool, with its affinity.")
        .boolean("show-borrowed", "", &show.show_borrowed,
                 "Instead, the addresses borrowed from blocks affine to other nodes.")
        .boolean("show-configuration", "", &show.show_configuration,
                 "Instead, the IPAMConfig settings (Calico's defaults when it is absent).");
    text_flag(options, "ip", &ip, "ADDRESS", "Instead, whether this address is assigned, and to whom.");
    add_common(options, common, output);
    auto parsed = options.parse(args, no_environment);
    if (!parsed) return parsed.error();
    if (parsed->help) return Invocation{first, {}, PrintAndExit{options.help()}};
    std::vector<std::string> chosen;
    if (show.show_blocks) chosen.emplace_back("--show-blocks");
    if (show.show_borrowed) chosen.emplace_back("--show-borrowed");
    if (show.show_configuration) chosen.emplace_back("--show-configuration");
    if (!ip.empty()) {
      chosen.emplace_back("--ip");
      auto address = ip::Address::parse(ip);
      if (!address) return address.error().context(program + ": flag --ip");
      show.ip = *address;
    }
    if (chosen.size() > 1)
      return Error{fmt::format("{}: flags {} and {} cannot be combined", program, chosen[0], chosen[1])};
    finish_common();
    invocation.command = show;
    return invocation;
  }

  if (first == "check") {
    CheckArgs check;
    config::Options options(program,
                            "Checks IPAM's objects against each other (blocks, handles, affinities, pools) and "
                            "against the cluster's nodes and pods: leaked addresses, addresses in use without an "
                            "allocation, addresses with two owners. Prints counts and every problem, grouped by "
                            "kind, and ends with \"Check complete; found N problems.\" Exits 0 whatever it finds.");
    options.boolean("show-all-ips", "", &check.show_all_ips, "Also list every allocated address and its verdict.")
        .boolean("show-problem-ips", "", &check.show_problem_ips,
                 "Also list every address involved in a problem.");
    text_flag(options, "report", &check.report_file, "FILE",
              "Write a JSON report to FILE for `ipamctl release --from-report` (creates the cluster's "
              "ClusterInformation with a new GUID if it has none).");
    add_common(options, common, output);
    auto parsed = options.parse(args, no_environment);
    if (!parsed) return parsed.error();
    if (parsed->help) return Invocation{first, {}, PrintAndExit{options.help()}};
    if (check.show_all_ips && check.show_problem_ips)
      return Error{fmt::format("{}: flags --show-all-ips and --show-problem-ips cannot be combined", program)};
    finish_common();
    invocation.command = check;
    return invocation;
  }

  if (first == "release") {
    ReleaseArgs release;
    std::vector<std::string> ips;
    config::Options options(program,
                            "Releases addresses. --ip: the address, guarded by the handle and sequence number "
                            "read just before (so what you confirmed is what is freed). --from-report: every "
                            "leaked address of a report of `ipamctl check --report`, each guarded by the handle "
                            "and sequence number the check saw and re-checked against the cluster's pods first; "
                            "then handles left holding nothing are deleted. A report from another cluster is "
                            "always refused; a stale one, or one of another ipamctl version, unless --force. "
                            "Asks for confirmation unless --yes (and refuses when stdin is not a terminal).");
    options.repeated("ip", "", &ips, "ADDRESS", "An address to release.");
    text_flag(options, "from-report", &release.report_file, "FILE", "Release the leaks listed in this report.")
        .duration("max-report-age", "", &release.max_report_age, "Refuse reports older than this (unless --force).")
        .boolean("force", "", &release.force,
                 "Use a stale report, or one written by another ipamctl version (never one of another cluster).")
        .boolean("yes", "", &release.yes, "Do not ask for confirmation.");
    add_common(options, common, output);
    auto parsed = options.parse(args, no_environment);
    if (!parsed) return parsed.error();
    if (parsed->help) return Invocation{first, {}, PrintAndExit{options.help()}};
    if (ips.empty() == release.report_file.empty())
      return Error{fmt::format("{}: give either --ip ADDRESS (repeatable) or --from-report FILE", program)};
    for (const auto& text : ips) {
      auto address = ip::Address::parse(text);
      if (!address) return address.error().context(program + ": flag --ip");
      release.ips.push_back(*address);
    }
    if (release.max_report_age.count() <= 0)
      return Error{fmt::format("{}: flag --max-report-age: must be positive", program)};
    finish_common();
    invocation.command = release;
    return invocation;
  }

  if (first == "split") {
    SplitArgs split;
    std::string cidr;
    config::Options options(program,
                            "Splits an IP pool into NUMBER equal pools named split-<name>-<i> (i from 0), each "
                            "keeping the pool's settings and holding at least one block: disables the pool, "
                            "creates the new ones (validated as Calico validates pools), then deletes the old one. "
                            "Asks for confirmation unless --yes.");
    options.positional("NUMBER");
    text_flag(options, "cidr", &cidr, "CIDR", "The CIDR of the pool to split.");
    text_flag(options, "name", &split.name, "POOL", "The name of the pool to split.")
        .boolean("yes", "", &split.yes, "Do not ask for confirmation.");
    add_common(options, common, output);
    auto parsed = options.parse(args, no_environment);
    if (!parsed) return parsed.error();
    if (parsed->help) return Invocation{first, {}, PrintAndExit{options.help()}};
    if (parsed->positional.size() != 1)
      return Error{fmt::format("{}: give exactly one NUMBER (got {})", program, parsed->positional.size())};
    auto number = config::Options::parse_integer(parsed->positional[0], 1, 1 << 20);
    if (!number) return number.error().context(program + ": NUMBER");
    if (!is_power_of_two_at_least_2(*number))
      return Error{fmt::format("{}: NUMBER {} is not a power of two of at least 2", program, *number)};
    split.number = static_cast<int>(*number);
    if (cidr.empty() == split.name.empty())
      return Error{fmt::format("{}: give either --cidr CIDR or --name POOL", program)};
    if (!cidr.empty()) {
      auto prefix = ip::Prefix::parse(cidr);
      if (!prefix) return prefix.error().context(program + ": flag --cidr");
      split.cidr = *prefix;
    }
    finish_common();
    invocation.command = split;
    return invocation;
  }

  // configure
  ConfigureArgs configure;
  config::Options options(program,
                          "Writes the IPAMConfig \"default\" (created when absent, else a compare-and-swap "
                          "update), validated as Calico validates it: strictAffinity and autoAllocateBlocks not "
                          "both false, maxBlocksPerHost only with strictAffinity, ipCooldownSeconds 0 to 1200.");
  options
      .add("strictaffinity", "", "true|false", "", "Forbid borrowing addresses from other nodes' blocks.",
           [&configure](std::string_view text) -> Status {
             auto b = config::Options::parse_bool(text);
             if (!b) return b.error();
             configure.strict_affinity = *b;
             return {};
           })
      .add("max-blocks-per-host", "", "N", "", "Blocks a host may hold (0: no explicit cap; Calico's default of 20).",
           set_integer(&configure.max_blocks_per_host, 0, std::numeric_limits<std::int32_t>::max()))
      .add("ip-cooldown-seconds", "", "N", "", "Seconds a released address waits before reuse (0 to 1200).",
           set_integer(&configure.ip_cooldown_seconds, 0, std::numeric_limits<std::int32_t>::max()))
      .add("kubevirt-ip-persistence", "", "Enabled|Disabled", "",
           "Whether KubeVirt VMs keep their addresses across restarts and migrations.",
           [&configure](std::string_view text) -> Status {
             if (text != "Enabled" && text != "Disabled")
               return Error{fmt::format("\"{}\" is not one of Enabled|Disabled", text)};
             configure.kubevirt_ip_persistence = std::string(text);
             return {};
           });
  add_common(options, common, output);
  auto parsed = options.parse(args, no_environment);
  if (!parsed) return parsed.error();
  if (parsed->help) return Invocation{first, {}, PrintAndExit{options.help()}};
  if (!configure.strict_affinity && !configure.max_blocks_per_host && !configure.ip_cooldown_seconds &&
      !configure.kubevirt_ip_persistence)
    return Error{fmt::format(
        "{}: nothing to configure (give --strictaffinity, --max-blocks-per-host, --ip-cooldown-seconds or "
        "--kubevirt-ip-persistence)",
        program)};
  finish_common();
  invocation.command = configure;
  return invocation;
}

}  // namespace sluice::ipamctl
