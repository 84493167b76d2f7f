// bgpctl: shows bgpd's neighbours and routes, asking over its control socket.
#include <cstdio>
#include <cstdlib>
#include <string>
#include <vector>

#include "bgpd/bgpctl/bgpctl.hpp"
#include "bgpd/control/control_server.hpp"

int main(int argc, char** argv) {
  using namespace sluice::bgp;
  std::vector<std::string> args(argv + 1, argv + argc);
  if (const char* env = std::getenv("BGPCTL_SOCKET"); env && *env) args.insert(args.begin(), {"--socket", env});
  auto invocation = bgpctl::parse_arguments(args);
  if (!invocation) {
    std::fprintf(stderr, "bgpctl: %s\n", invocation.error().message.c_str());
    return 2;
  }
  if (invocation->help) {
    std::fputs(bgpctl::usage().c_str(), stdout);
    return 0;
  }
  auto answer = control_request(invocation->socket, invocation->request);
  if (!answer) {
    std::fprintf(stderr, "bgpctl: %s\n", answer.error().message.c_str());
    return 1;
  }
  auto shown = bgpctl::render(*invocation, *answer);
  if (!shown) {
    std::fprintf(stderr, "bgpctl: %s\n", shown.error().message.c_str());
    return 1;
  }
  std::fputs(shown->c_str(), stdout);
  return 0;
}
