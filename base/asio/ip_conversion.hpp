// Conversions between Sluice's address types and Asio's, in one place.
#pragma once

#include <algorithm>

#include <boost/asio/ip/tcp.hpp>

#include "base/ip/endpoint.hpp"

namespace sluice {

inline boost::asio::ip::address to_asio(const ip::Address& a) {
  if (a.is_v4()) return boost::asio::ip::address_v4(a.to_v4_uint());
  boost::asio::ip::address_v6::bytes_type bytes;
  std::copy(a.bytes().begin(), a.bytes().end(), bytes.begin());
  return boost::asio::ip::address_v6(bytes);
}

inline boost::asio::ip::tcp::endpoint to_asio(const ip::Endpoint& e) { return {to_asio(e.address), e.port}; }

inline ip::Address from_asio(const boost::asio::ip::address& a) {
  if (a.is_v4()) return ip::Address::v4(a.to_v4().to_uint());
  return *ip::Address::from_bytes(a.to_v6().to_bytes());
}

inline ip::Endpoint from_asio(const boost::asio::ip::tcp::endpoint& e) { return {from_asio(e.address()), e.port()}; }

}  // namespace sluice
