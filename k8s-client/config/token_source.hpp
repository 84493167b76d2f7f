// The bearer token to put on each request: a literal, or the contents of a token file
// followed as the kubelet rotates it.
#pragma once

#include <chrono>
#include <cstdint>
#include <filesystem>
#include <functional>
#include <optional>
#include <string>
#include <string_view>

#include "base/result.hpp"

namespace sluice::k8s {

// A bearer token goes into an HTTP header verbatim, so it must be non-empty visible
// ASCII (no spaces, no CR/LF that would split the header). Errors never quote the token.
Status check_bearer_token(std::string_view token);

// The token in a token file's contents: surrounding whitespace (the usual trailing
// newline) is dropped; an empty file or a token check_bearer_token refuses is an error
// naming the file.
Result<std::string> token_from_file_contents(std::string_view contents, const std::filesystem::path& path);
Result<std::string> read_token_file(const std::filesystem::path& path);

// Not thread-safe: one per event loop, like the HTTP client that uses it.
class TokenSource {
 public:
  using Clock = std::function<std::chrono::steady_clock::time_point()>;
  static constexpr std::chrono::seconds kDefaultRecheckInterval{60};

  static Result<TokenSource> from_literal(std::string token);
  // Reads the file now (failing if it cannot be read or is empty), then at most once per
  // `recheck_interval` stat()s the path and re-reads it when its inode, size or mtime
  // changed. The path is stat()ed, never an open descriptor kept: projected tokens are
  // replaced by swapping a symlink, so the path is what moves to the new file.
  static Result<TokenSource> from_file(std::filesystem::path path,
                                       std::chrono::steady_clock::duration recheck_interval = kDefaultRecheckInterval,
                                       Clock clock = std::chrono::steady_clock::now);

  struct Token {
    std::string value;
    // Set when this call re-checked the file and failed; `value` is then the last token
    // read successfully. Reported once per failed check, so the caller can log it as is.
    std::optional<Error> refresh_error;
  };
  Token current();

  // The file followed, or empty for a literal.
  const std::filesystem::path& path() const { return path_; }

 private:
  struct FileIdentity {
    std::uint64_t device = 0;
    std::uint64_t inode = 0;
    std::int64_t size = 0;
    std::int64_t mtime_seconds = 0;
    std::int64_t mtime_nanoseconds = 0;
    friend bool operator==(const FileIdentity&, const FileIdentity&) = default;
  };
  static Result<FileIdentity> identify(const std::filesystem::path& path);

  TokenSource() = default;

  std::string token_;
  std::filesystem::path path_;
  std::chrono::steady_clock::duration recheck_interval_{};
  Clock clock_;
  std::chrono::steady_clock::time_point next_check_{};
  FileIdentity identity_;
};

}  // namespace sluice::k8s
