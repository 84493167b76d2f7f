#include "bgpd/codec/capabilities.hpp"

#include <algorithm>
#include <string>

namespace sluice::bgp {
namespace {

MessageError malformed(std::uint8_t code, const std::string& why) {
  return {Notification::open(OpenErrorSubcode::unspecific), "capability " + std::to_string(code) + ": " + why};
}

bool read_afi_safi_reserved(Reader& r, AfiSafi& out) {
  std::uint16_t afi = 0;
  std::uint8_t reserved = 0;
  std::uint8_t safi = 0;
  if (!r.read_u16(afi) || !r.read_u8(reserved) || !r.read_u8(safi)) return false;
  out = AfiSafi{static_cast<Afi>(afi), static_cast<Safi>(safi)};
  return true;
}

bool read_afi_safi(Reader& r, AfiSafi& out) {
  std::uint16_t afi = 0;
  std::uint8_t safi = 0;
  if (!r.read_u16(afi) || !r.read_u8(safi)) return false;
  out = AfiSafi{static_cast<Afi>(afi), static_cast<Safi>(safi)};
  return true;
}

void write_afi_safi(Writer& w, AfiSafi a) {
  w.u16(static_cast<std::uint16_t>(a.afi));
  w.u8(static_cast<std::uint8_t>(a.safi));
}

std::optional<MessageError> decode_graceful_restart(Reader& v, Capabilities& into) {
  std::uint16_t flags_time = 0;
  if (v.remaining() < 2 || (v.remaining() - 2) % 4 != 0 || !v.read_u16(flags_time)) {
    return malformed(64, "length is not 2 + 4n");
  }
  GracefulRestart gr;
  gr.restart_state = (flags_time & 0x8000) != 0;
  gr.notification = (flags_time & 0x4000) != 0;
  gr.restart_time = flags_time & 0x0fff;
  while (!v.empty()) {
    GracefulRestart::Family f;
    std::uint8_t flags = 0;
    if (!read_afi_safi(v, f.afi_safi) || !v.read_u8(flags)) return malformed(64, "truncated family");
    f.forwarding_state = (flags & 0x80) != 0;
    gr.families.push_back(f);
  }
  if (into.graceful_restart && *into.graceful_restart != gr) return malformed(64, "conflicting instances");
  into.graceful_restart = std::move(gr);
  return std::nullopt;
}

std::optional<MessageError> decode_add_path(Reader& v, Capabilities& into) {
  if (v.empty() || v.remaining() % 4 != 0) return malformed(69, "length is not a non-zero multiple of 4");
  while (!v.empty()) {
    AddPathFamily f;
    std::uint8_t mode = 0;
    if (!read_afi_safi(v, f.afi_safi) || !v.read_u8(mode)) return malformed(69, "truncated family");
    if (mode < 1 || mode > 3) return malformed(69, "Send/Receive value " + std::to_string(mode) + " is undefined");
    f.mode = static_cast<AddPathMode>(mode);
    auto same = std::find_if(into.add_path.begin(), into.add_path.end(),
                             [&](const AddPathFamily& e) { return e.afi_safi == f.afi_safi; });
    if (same == into.add_path.end()) {
      into.add_path.push_back(f);
    } else if (same->mode != f.mode) {
      return malformed(69, "conflicting Send/Receive for " + to_string(f.afi_safi));
    }
  }
  return std::nullopt;
}

}  // namespace

std::optional<MessageError> decode_capabilities(Reader& value, Capabilities& into) {
  while (!value.empty()) {
    std::uint8_t code = 0;
    std::uint8_t length = 0;
    Reader v;
    if (!value.read_u8(code) || !value.read_u8(length) || !value.read_reader(length, v)) {
      return malformed(code, "capability overruns its optional parameter");
    }
    auto fixed_length = [&](std::size_t want) { return v.remaining() == want; };
    switch (static_cast<CapabilityCode>(code)) {
      case CapabilityCode::multiprotocol: {
        AfiSafi a;
        if (!fixed_length(4) || !read_afi_safi_reserved(v, a)) return malformed(code, "length is not 4");
        if (std::find(into.multiprotocol.begin(), into.multiprotocol.end(), a) == into.multiprotocol.end()) {
          into.multiprotocol.push_back(a);
        }
        break;
      }
      case CapabilityCode::route_refresh:
        if (!fixed_length(0)) return malformed(code, "length is not 0");
        into.route_refresh = true;
        break;
      case CapabilityCode::enhanced_route_refresh:
        if (!fixed_length(0)) return malformed(code, "length is not 0");
        into.enhanced_route_refresh = true;
        break;
      case CapabilityCode::extended_message:
        if (!fixed_length(0)) return malformed(code, "length is not 0");
        into.extended_message = true;
        break;
      case CapabilityCode::four_octet_as: {
        std::uint32_t as = 0;
        if (!fixed_length(4) || !v.read_u32(as)) return malformed(code, "length is not 4");
        if (into.four_octet_as && *into.four_octet_as != as) return malformed(code, "conflicting AS numbers");
        into.four_octet_as = as;
        break;
      }
      case CapabilityCode::graceful_restart:
        if (auto e = decode_graceful_restart(v, into)) return e;
        break;
      case CapabilityCode::add_path:
        if (auto e = decode_add_path(v, into)) return e;
        break;
      default: {
        auto raw = v.read_rest();
        into.unknown.push_back(RawCapability{code, std::vector<std::uint8_t>(raw.begin(), raw.end())});
        break;
      }
    }
  }
  return std::nullopt;
}

Status encode_capabilities(const Capabilities& caps, Writer& w) {
  Status status;
  // A value over 255 octets (a very long family list) fails the whole encoding.
  auto tlv = [&](CapabilityCode code, auto&& body) {
    w.u8(static_cast<std::uint8_t>(code));
    std::size_t at = w.reserve_u8();
    body();
    if (auto s = w.patch_u8_length(at); !s.ok() && status.ok())
      status = s.error().context("capability " + std::to_string(static_cast<int>(code)));
  };
  for (AfiSafi a : caps.multiprotocol) {
    tlv(CapabilityCode::multiprotocol, [&] {
      w.u16(static_cast<std::uint16_t>(a.afi));
      w.u8(0);
      w.u8(static_cast<std::uint8_t>(a.safi));
    });
  }
  if (caps.route_refresh) tlv(CapabilityCode::route_refresh, [] {});
  if (caps.enhanced_route_refresh) tlv(CapabilityCode::enhanced_route_refresh, [] {});
  if (caps.four_octet_as) tlv(CapabilityCode::four_octet_as, [&] { w.u32(*caps.four_octet_as); });
  if (caps.graceful_restart) {
    const auto& gr = *caps.graceful_restart;
    tlv(CapabilityCode::graceful_restart, [&] {
      w.u16(static_cast<std::uint16_t>((gr.restart_state ? 0x8000 : 0) | (gr.notification ? 0x4000 : 0) |
                                       (gr.restart_time & 0x0fff)));
      for (const auto& f : gr.families) {
        write_afi_safi(w, f.afi_safi);
        w.u8(f.forwarding_state ? 0x80 : 0);
      }
    });
  }
  if (!caps.add_path.empty()) {
    tlv(CapabilityCode::add_path, [&] {
      for (const auto& f : caps.add_path) {
        write_afi_safi(w, f.afi_safi);
        w.u8(static_cast<std::uint8_t>(f.mode));
      }
    });
  }
  if (caps.extended_message) tlv(CapabilityCode::extended_message, [] {});
  for (const auto& raw : caps.unknown) {
    tlv(static_cast<CapabilityCode>(raw.code), [&] { w.bytes(raw.value); });
  }
  return status;
}

}  // namespace sluice::bgp
