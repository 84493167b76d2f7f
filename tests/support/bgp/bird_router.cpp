#include "tests/support/bgp/bird_router.hpp"

#include <charconv>
#include <chrono>
#include <stdexcept>

#include "tests/support/bgp/text.hpp"
#include "tests/support/wait.hpp"

namespace sluice::testing::bgp {
namespace {

std::optional<std::uint32_t> to_u32(std::string_view text) {
  std::uint32_t value = 0;
  auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), value);
  if (ec != std::errc() || end != text.data() + text.size()) return std::nullopt;
  return value;
}

// "(65000,100) (65000,200)" or "(1, 2, 3) (4, 5, 6)" -> "65000:100", "1:2:3".
std::vector<std::string> parse_bracketed(std::string_view text) {
  std::vector<std::string> out;
  std::size_t open = text.find('(');
  while (open != std::string_view::npos) {
    std::size_t close = text.find(')', open);
    if (close == std::string_view::npos) break;
    std::string value;
    for (char c : text.substr(open + 1, close - open - 1)) {
      if (c == ',') value += ':';
      else if (c != ' ') value += c;
    }
    out.push_back(value);
    open = text.find('(', close);
  }
  return out;
}

std::string lower(std::string_view text) {
  std::string out(text);
  for (char& c : out) c = static_cast<char>(c >= 'A' && c <= 'Z' ? c - 'A' + 'a' : c);
  return out;
}

}  // namespace

std::vector<SeenRoute> parse_bird_routes(std::string_view text) {
  std::vector<SeenRoute> routes;
  std::string prefix;
  std::vector<std::string> vias;  // of the route being read, used when it has no BGP next hop
  auto finish = [&] {
    if (!routes.empty() && routes.back().next_hops.empty()) routes.back().next_hops = vias;
    vias.clear();
  };
  for (std::string_view line : split_lines(text)) {
    if (line.empty() || line.starts_with("BIRD ") || line.starts_with("Table ")) continue;
    bool indented = line.front() == ' ' || line.front() == '\t';
    if (!indented || (line.front() == ' ' && line.find('[') != std::string_view::npos)) {
      // A route's header: "10.1.0.0/26  unicast [dut 05:54:28.018] * (100) [AS65001i]",
      // or an alternative path for the same prefix, indented by spaces.
      finish();
      auto words = split_words(line);
      if (words.empty()) continue;
      if (!indented) prefix = std::string(words.front());
      SeenRoute route;
      route.prefix = prefix;
      route.best = false;
      for (auto word : words) {
        if (word == "*") route.best = true;
      }
      routes.push_back(std::move(route));
      continue;
    }
    if (routes.empty()) continue;
    SeenRoute& route = routes.back();
    std::string_view body = trim(line);
    if (starts_with_word(body, "via")) {
      auto words = split_words(body);
      if (words.size() > 1) vias.emplace_back(words[1]);
      continue;
    }
    std::size_t colon = body.find(": ");
    if (colon == std::string_view::npos) continue;
    std::string_view key = body.substr(0, colon);
    std::string_view value = trim(body.substr(colon + 2));
    if (key == "BGP.next_hop") {
      auto words = split_words(value);
      if (!words.empty()) route.next_hops = {std::string(words.front())};
    } else if (key == "BGP.as_path") {
      for (auto word : split_words(value)) {
        if (auto asn = to_u32(word)) route.as_path.push_back(*asn);
      }
    } else if (key == "BGP.local_pref") {
      route.local_pref = to_u32(value);
    } else if (key == "BGP.med") {
      route.med = to_u32(value);
    } else if (key == "BGP.community") {
      route.communities = parse_bracketed(value);
    } else if (key == "BGP.large_community") {
      route.large_communities = parse_bracketed(value);
    } else if (key == "BGP.origin") {
      route.origin = lower(value);
    }
  }
  finish();
  return routes;
}

BirdRouter::BirdRouter(const TestNetns& ns, std::filesystem::path dir, const std::string& config)
    : ns_(ns),
      dir_(std::move(dir)),
      config_(dir_ / "bird.conf"),
      socket_(dir_ / "bird.ctl"),
      log_(dir_ / "bird.log") {
  write_text_file(config_, config);
  start();
}

BirdRouter::~BirdRouter() { stop(); }

void BirdRouter::start() {
  process_.emplace(Subprocess::start(
      {"ip", "netns", "exec", ns_.name(), "bird", "-f", "-c", config_.string(), "-s", socket_.string()}, log_));
  bool ready = wait_until([&] { return birdc("show status").ok() || !process_->running(); },
                          std::chrono::seconds(10));
  if (!ready || !process_->running()) {
    throw std::runtime_error("BIRD did not start; its log:\n" + read_text_file(log_));
  }
}

void BirdRouter::stop() {
  if (process_) process_->stop();
  process_.reset();
}

void BirdRouter::kill() {
  if (process_) process_->kill();
  process_.reset();
}

CommandResult BirdRouter::birdc(std::string_view command) const {
  std::vector<std::string> argv{"birdc", "-s", socket_.string()};
  for (auto word : split_words(command)) argv.emplace_back(word);
  return run(argv, std::chrono::seconds(10));
}

std::string BirdRouter::bgp_state(std::string_view protocol) const {
  auto result = birdc("show protocols all " + std::string(protocol));
  for (std::string_view line : split_lines(result.output)) {
    std::string_view body = trim(line);
    if (body.starts_with("BGP state:")) return std::string(trim(body.substr(10)));
  }
  return {};
}

std::string BirdRouter::last_error(std::string_view protocol) const {
  auto result = birdc("show protocols all " + std::string(protocol));
  for (std::string_view line : split_lines(result.output)) {
    std::string_view body = trim(line);
    if (body.starts_with("Last error:")) return std::string(trim(body.substr(11)));
  }
  return {};
}

std::vector<SeenRoute> BirdRouter::routes(std::string_view filter) const {
  auto result = birdc("show route all " + std::string(filter));
  if (!result.ok()) throw std::runtime_error("birdc show route failed: " + result.output);
  return parse_bird_routes(result.output);
}

void BirdRouter::write_config(const std::string& config) { write_text_file(config_, config); }

void BirdRouter::reconfigure(const std::string& config) {
  write_text_file(config_, config);
  auto result = birdc("configure");
  // "Reconfigured", or "Reconfiguration in progress" when protocols restart to apply it.
  if (!result.ok() || result.output.find("Reconfigur") == std::string::npos ||
      result.output.find("error") != std::string::npos) {
    throw std::runtime_error("birdc configure failed: " + result.output);
  }
}

}  // namespace sluice::testing::bgp
