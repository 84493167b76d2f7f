// ipamctl's command line: the commands, their flags and help, parsed into plain values
// before anything touches the cluster, so every bad argument is refused (exit 2) with an
// error naming it and nothing is read or written.
#pragma once

#include <chrono>
#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <variant>
#include <vector>

#include "base/ip/prefix.hpp"
#include "base/result.hpp"

namespace sluice::ipamctl {

// Exit statuses, the same for every command.
enum ExitCode : int {
  kExitOk = 0,       // done (for check: the check ran, whatever it found)
  kExitFailed = 1,   // something failed while reading or writing the cluster
  kExitUsage = 2,    // bad arguments, or a change validation refuses; nothing was changed
  kExitRefused = 3,  // refused for safety (no confirmation, a report that does not fit); nothing was changed
};

enum class OutputFormat : std::uint8_t { table, json };

struct ConnectionFlags {
  std::string kubeconfig;  // empty: $KUBECONFIG, ~/.kube/config, then the pod's service account
  std::string context;     // empty: the kubeconfig's current context
};

struct CommonArgs {
  ConnectionFlags connection;
  OutputFormat output = OutputFormat::table;
};

struct ShowArgs {
  bool show_blocks = false;
  bool show_borrowed = false;
  bool show_configuration = false;
  std::optional<ip::Address> ip;
};

struct CheckArgs {
  bool show_all_ips = false;
  bool show_problem_ips = false;
  std::string report_file;  // empty: no report
};

struct ReleaseArgs {
  std::vector<ip::Address> ips;
  std::string report_file;
  std::chrono::milliseconds max_report_age = std::chrono::hours(1);
  bool force = false;  // accept a stale report or one from another ipamctl version
  bool yes = false;
};

struct SplitArgs {
  int number = 0;  // a power of two, at least 2
  std::optional<ip::Prefix> cidr;
  std::string name;
  bool yes = false;
};

struct ConfigureArgs {
  std::optional<bool> strict_affinity;
  std::optional<std::int32_t> max_blocks_per_host;
  std::optional<std::int32_t> ip_cooldown_seconds;
  std::optional<std::string> kubevirt_ip_persistence;  // Enabled or Disabled
};

// --help (of the tool or of a command), or --version: print and exit 0.
struct PrintAndExit {
  std::string text;
};

using Command = std::variant<PrintAndExit, ShowArgs, CheckArgs, ReleaseArgs, SplitArgs, ConfigureArgs>;

struct Invocation {
  std::string name;  // "show", ...; empty for PrintAndExit of the tool itself
  CommonArgs common;
  Command command;
};

// `args` excludes the program name; `version` is printed by --version.
Result<Invocation> parse_command_line(std::span<const std::string> args, std::string_view version);

// The tool's help: commands, common flags, exit statuses.
std::string tool_help();

}  // namespace sluice::ipamctl
