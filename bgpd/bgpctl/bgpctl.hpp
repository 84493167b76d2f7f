// bgpctl's commands as a library: arguments in, the request for bgpd's control socket,
// and the answer rendered as tables (or passed through as JSON). main.cpp only connects.
#pragma once

#include <string>
#include <vector>

#include "base/result.hpp"
#include "bgpd/control/default_socket.hpp"

namespace sluice::bgp::bgpctl {

inline constexpr const char* kDefaultSocket = kDefaultControlSocket;

struct Invocation {
  std::string socket = kDefaultSocket;
  bool json = false;
  bool help = false;
  std::string request;  // the JSON request line
  std::string command;  // summary, neighbor, routes
};

// Parses argv (without the program name). Errors name the argument.
Result<Invocation> parse_arguments(const std::vector<std::string>& args);
std::string usage();
// The answer as the user sees it: tables, or the JSON as bgpd sent it. An answer with
// "ok": false becomes an error carrying bgpd's message.
Result<std::string> render(const Invocation& invocation, const std::string& answer);

}  // namespace sluice::bgp::bgpctl
