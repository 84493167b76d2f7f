#include "k8s-client/config/token_source.hpp"

#include <sys/stat.h>

#include <cerrno>
#include <system_error>

#include <fmt/format.h>

#include "k8s-client/config/connection_config.hpp"

namespace sluice::k8s {
namespace {
bool is_space(char c) {
  return c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\f' || c == '\v';
}

std::string_view trim(std::string_view text) {
  while (!text.empty() && is_space(text.front())) text.remove_prefix(1);
  while (!text.empty() && is_space(text.back())) text.remove_suffix(1);
  return text;
}
}  // namespace

Status check_bearer_token(std::string_view token) {
  if (token.empty()) return Error{"the token is empty"};
  for (std::size_t i = 0; i < token.size(); ++i) {
    auto byte = static_cast<unsigned char>(token[i]);
    if (byte <= 0x20 || byte >= 0x7f) {
      return Error{fmt::format("the token has byte 0x{:02x} at offset {} (a bearer token is visible ASCII, no spaces)",
                               byte, i)};
    }
  }
  return {};
}

Result<std::string> read_token_file(const std::filesystem::path& path) {
  auto text = read_whole_file(path);
  if (!text) return text.error();
  return token_from_file_contents(*text, path);
}

Result<std::string> token_from_file_contents(std::string_view contents, const std::filesystem::path& path) {
  std::string_view token = trim(contents);
  if (token.empty()) return Error{fmt::format("token file {} is empty", path.string())};
  if (auto checked = check_bearer_token(token); !checked) {
    return checked.error().context(fmt::format("token file {}", path.string()));
  }
  return std::string(token);
}

Result<TokenSource> TokenSource::from_literal(std::string token) {
  if (auto checked = check_bearer_token(token); !checked) return checked.error();
  TokenSource source;
  source.token_ = std::move(token);
  return source;
}

Result<TokenSource> TokenSource::from_file(std::filesystem::path path,
                                           std::chrono::steady_clock::duration recheck_interval, Clock clock) {
  // stat before read: if the file is swapped in between, the next check sees a
  // different identity and reads again, so a rotation is never missed.
  auto identity = identify(path);
  if (!identity) return identity.error();
  auto token = read_token_file(path);
  if (!token) return token.error();
  TokenSource source;
  source.token_ = std::move(*token);
  source.path_ = std::move(path);
  source.recheck_interval_ = recheck_interval;
  source.clock_ = std::move(clock);
  source.identity_ = *identity;
  source.next_check_ = source.clock_() + recheck_interval;
  return source;
}

TokenSource::Token TokenSource::current() {
  if (path_.empty()) return Token{token_, std::nullopt};
  auto now = clock_();
  if (now < next_check_) return Token{token_, std::nullopt};
  next_check_ = now + recheck_interval_;

  auto identity = identify(path_);
  if (!identity) return Token{token_, identity.error()};
  if (*identity == identity_) return Token{token_, std::nullopt};
  auto token = read_token_file(path_);
  // The identity is only remembered with a good read, so a failed one is retried.
  if (!token) return Token{token_, token.error()};
  token_ = std::move(*token);
  identity_ = *identity;
  return Token{token_, std::nullopt};
}

Result<TokenSource::FileIdentity> TokenSource::identify(const std::filesystem::path& path) {
  struct stat st {};
  if (::stat(path.c_str(), &st) != 0) {
    return Error{fmt::format("cannot stat {}: {}", path.string(), std::generic_category().message(errno))};
  }
  return FileIdentity{static_cast<std::uint64_t>(st.st_dev), static_cast<std::uint64_t>(st.st_ino),
                      static_cast<std::int64_t>(st.st_size), static_cast<std::int64_t>(st.st_mtim.tv_sec),
                      static_cast<std::int64_t>(st.st_mtim.tv_nsec)};
}

}  // namespace sluice::k8s
