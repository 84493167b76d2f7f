#include "ipam/block/names.hpp"

#include <array>
#include <cstdio>
#include <stdexcept>

#include <openssl/evp.h>

#include "base/text/base32.hpp"

namespace sluice::ipam {
namespace {

// Digest of `data` with an OpenSSL message digest. Digests cannot fail on valid input;
// a failure here means a broken libcrypto, which is a bug to surface, not bad input.
std::string digest(const EVP_MD* md, std::string_view data) {
  std::array<unsigned char, EVP_MAX_MD_SIZE> out{};
  unsigned int length = 0;
  if (EVP_Digest(data.data(), data.size(), out.data(), &length, md, nullptr) != 1)
    throw std::runtime_error("OpenSSL digest failed");
  return std::string(reinterpret_cast<const char*>(out.data()), length);
}

std::string hex(std::string_view bytes) {
  std::string out;
  out.reserve(bytes.size() * 2);
  static constexpr char kDigits[] = "0123456789abcdef";
  for (unsigned char b : bytes) {
    out.push_back(kDigits[b >> 4]);
    out.push_back(kDigits[b & 0xf]);
  }
  return out;
}

}  // namespace

std::string block_name(const ip::Prefix& cidr) {
  std::string name = cidr.to_string();
  for (char& c : name)
    if (c == '.' || c == ':' || c == '/') c = '-';
  return name;
}

std::string affinity_name(std::string_view host, const ip::Prefix& cidr) {
  const std::string block = block_name(cidr);
  std::string name = std::string(host) + "-" + block;
  if (name.size() < 253) return name;
  // Room for the block name, the hash and the two separators.
  const std::size_t keep = 252 - block.size() - 13;
  std::string hashed = hex(digest(EVP_sha256(), std::string(host) + "+" + block)).substr(0, 11);
  return std::string(host.substr(0, keep)) + "-" + block + "-" + hashed;
}

std::string handle_name(std::string_view handle_id) {
  std::string name(handle_id);
  for (char& c : name)
    if (c >= 'A' && c <= 'Z') c = static_cast<char>(c - 'A' + 'a');
  return name;
}

std::string hostname_hash(std::string_view host) {
  return text::base32_encode_unpadded(digest(EVP_sha3_256(), host));
}

std::map<std::string, std::string> affinity_labels(std::string_view host, std::string_view affinity_type,
                                                   ip::Family family) {
  return {
      {std::string(kLabelHostnameHash), hostname_hash(host)},
      {std::string(kLabelAffinityType), std::string(affinity_type)},
      {std::string(kLabelIPVersion), family == ip::Family::v4 ? "4" : "6"},
  };
}

std::string host_affinity(std::string_view host) { return "host:" + std::string(host); }

}  // namespace sluice::ipam
