#include "bgpd/policy/policy.hpp"

namespace sluice::bgp::policy {

std::string_view to_string(PeerKind kind) {
  switch (kind) {
    case PeerKind::ebgp: return "ebgp";
    case PeerKind::ibgp: return "ibgp";
    case PeerKind::rr_client: return "rr-client";
    case PeerKind::local: return "local";
  }
  return "?";
}

std::optional<PeerKind> parse_peer_kind(std::string_view text) {
  for (auto k : {PeerKind::ebgp, PeerKind::ibgp, PeerKind::rr_client, PeerKind::local}) {
    if (to_string(k) == text) return k;
  }
  return std::nullopt;
}

std::string_view to_string(Action action) {
  switch (action) {
    case Action::accept: return "accept";
    case Action::reject: return "reject";
    case Action::next: return "next";
  }
  return "?";
}

std::optional<Action> parse_action(std::string_view text) {
  for (auto a : {Action::accept, Action::reject, Action::next}) {
    if (to_string(a) == text) return a;
  }
  return std::nullopt;
}

bool valid_name(std::string_view name) {
  if (name.empty() || name.size() > 63) return false;
  auto alnum = [](char c) { return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9'); };
  if (!alnum(name.front())) return false;
  for (char c : name) {
    if (!alnum(c) && c != '-' && c != '_' && c != '.') return false;
  }
  return true;
}

}  // namespace sluice::bgp::policy
