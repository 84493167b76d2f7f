// What bgpctl asks the running speaker, and the answers, as JSON: one request object in,
// one answer object out (both one line on the control socket). Plain code over the
// Speaker: no sockets here.
//   {"command":"summary"}
//   {"command":"neighbor","address":"192.0.2.1"}
//   {"command":"routes","family":"ipv4","prefix":"10.0.0.0/8","peer":"192.0.2.1"}
// An answer is {"ok":true,...} or {"ok":false,"error":"..."}.
#pragma once

#include <string>
#include <string_view>

#include "bgpd/speaker/speaker.hpp"

namespace sluice::bgp {

std::string handle_control_request(Speaker& speaker, std::string_view request);

}  // namespace sluice::bgp
