// One path to a prefix in the Loc-RIB: the attributes a peer (or this speaker) announced,
// under the peer's Path Identifier. 12 bytes: the attribute set by its 32-bit id in the
// RIB's AttributeStore (LocRib::attributes() gives the set; the LocRib holds a reference
// per path), and the flags share the id fields' top bits.
#pragma once

#include <cstdint>

#include "bgpd/rib/attribute_set.hpp"
#include "bgpd/rib/peer_info.hpp"

namespace sluice::bgp::rib {

class Path {
 public:
  // Largest identifier this speaker gives a path for add-path send.
  static constexpr std::uint16_t kMaxLocalId = 0x7fff;

  Path() = default;
  Path(PeerId peer, std::uint32_t path_id, std::uint16_t local_id, std::uint32_t attributes_id)
      : attributes_(attributes_id), path_id_(path_id), local_id_(local_id), peer_(peer) {}

  // AttributeSet::id() of the path's attributes; 0 for none.
  std::uint32_t attributes_id() const { return attributes_; }
  PeerId peer() const { return static_cast<PeerId>(peer_ & kMaxPeerId); }
  // The Path Identifier the peer sent (RFC 7911), 0 when add-path is off.
  std::uint32_t path_id() const { return path_id_; }
  // The identifier this speaker advertises the path under to add-path peers; unique
  // among the prefix's paths while the path exists.
  std::uint16_t local_id() const { return local_id_ & kMaxLocalId; }
  // Retained across a graceful restart of its peer and not yet refreshed (RFC 4724 §4.2).
  bool stale() const { return (peer_ & kFlagBit) != 0; }
  // In the best or multipath set the last decision run chose.
  bool selected() const { return (local_id_ & kFlagBit) != 0; }

  bool same_origin(PeerId peer, std::uint32_t path_id) const { return this->peer() == peer && path_id_ == path_id; }

  void set_attributes_id(std::uint32_t id) { attributes_ = id; }
  void set_stale(bool stale) { peer_ = static_cast<std::uint16_t>(stale ? (peer_ | kFlagBit) : (peer_ & ~kFlagBit)); }
  void set_selected(bool selected) {
    local_id_ = static_cast<std::uint16_t>(selected ? (local_id_ | kFlagBit) : (local_id_ & ~kFlagBit));
  }

 private:
  static constexpr std::uint16_t kFlagBit = 0x8000;

  std::uint32_t attributes_ = 0;
  std::uint32_t path_id_ = 0;
  std::uint16_t local_id_ = 0;  // top bit: selected
  std::uint16_t peer_ = 0;      // top bit: stale
};

}  // namespace sluice::bgp::rib
