#include "tests/support/bgp/sluice_bgpd.hpp"

#include <signal.h>

#include <chrono>
#include <stdexcept>

#include "base/json/json.hpp"
#include "tests/support/bgp/text.hpp"
#include "tests/support/wait.hpp"

namespace sluice::testing::bgp {
SluiceBgpd::SluiceBgpd(const TestNetns& ns, std::filesystem::path dir, const std::string& config,
                       std::vector<std::string> flags)
    : ns_(ns),
      dir_(std::move(dir)),
      config_(dir_ / "bgpd.json"),
      socket_(dir_ / "bgpd.sock"),
      log_(dir_ / "bgpd.log"),
      flags_(std::move(flags)) {
  write_text_file(config_, config);
  start();
}

SluiceBgpd::~SluiceBgpd() { stop(); }

void SluiceBgpd::start() {
  std::vector<std::string> argv{"ip",       "netns",          "exec",           ns_.name(), SLUICE_BGPD_BINARY,
                                "--config", config_.string(), "--control-socket", socket_.string(),
                                "--http-listen", "127.0.0.1:0"};
  argv.insert(argv.end(), flags_.begin(), flags_.end());
  process_.emplace(Subprocess::start(argv, log_));
  bool ready = wait_until([&] { return bgpctl({"summary"}).ok() || !process_->running(); }, std::chrono::seconds(10));
  if (!ready || !process_->running()) throw std::runtime_error("sluice-bgpd did not start; its log:\n" + read_text_file(log_));
}

void SluiceBgpd::stop() {
  if (process_) process_->stop();
  process_.reset();
}

void SluiceBgpd::kill() {
  if (process_) process_->kill();
  process_.reset();
}

bool SluiceBgpd::running() { return process_ && process_->running(); }

void SluiceBgpd::reload(const std::string& config) {
  write_text_file(config_, config);
  if (!process_ || ::kill(process_->pid(), SIGHUP) != 0) throw std::runtime_error("sluice-bgpd is not running");
}

CommandResult SluiceBgpd::bgpctl(const std::vector<std::string>& args) const {
  std::vector<std::string> argv{SLUICE_BGPCTL_BINARY, "--socket", socket_.string(), "-o", "json"};
  argv.insert(argv.end(), args.begin(), args.end());
  return run(argv, std::chrono::seconds(10));
}

std::string SluiceBgpd::neighbor_json(std::string_view neighbor) const {
  auto result = bgpctl({"neighbor", std::string(neighbor)});
  return result.ok() ? result.output : std::string();
}

std::string SluiceBgpd::bgp_state(std::string_view neighbor) const {
  auto result = bgpctl({"summary"});
  if (!result.ok()) return {};
  auto document = json::parse(result.output);
  if (!document) return {};
  const auto* peers = json::find(*document, "peers");
  if (!peers || !peers->IsArray()) return {};
  for (const auto& peer : peers->GetArray()) {
    const auto* address = json::find(peer, "address");
    const auto* state = json::find(peer, "state");
    if (address && address->IsString() && std::string_view(address->GetString()) == neighbor && state &&
        state->IsString())
      return state->GetString();
  }
  return {};
}

std::vector<SeenRoute> SluiceBgpd::routes(std::string_view family) const {
  auto result = bgpctl({"routes", "--family", std::string(family)});
  if (!result.ok()) throw std::runtime_error("bgpctl routes failed: " + result.output);
  return parse_bgpctl_routes(result.output);
}

}  // namespace sluice::testing::bgp
