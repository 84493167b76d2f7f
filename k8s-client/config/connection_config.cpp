#include "k8s-client/config/connection_config.hpp"

#include <fcntl.h>
#include <unistd.h>

#include <cerrno>
#include <cstdlib>
#include <system_error>

#include <fmt/format.h>

#include "base/text/base64.hpp"

namespace sluice::k8s {
namespace {
// Kubeconfigs with many embedded certificates stay far below this; the limit only
// stops a wrong path (a device, a huge log) from being read into memory.
constexpr std::size_t kMaxFileSize = 16 << 20;

Error read_error(const std::filesystem::path& path, int error_number) {
  return Error{fmt::format("cannot read {}: {}", path.string(), std::generic_category().message(error_number))};
}
}  // namespace

std::string basic_authorization(const BasicAuth& auth) {
  return "Basic " + text::base64_encode(auth.username + ":" + auth.password);
}

Result<std::string> read_whole_file(const std::filesystem::path& path) {
  int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) return read_error(path, errno);
  std::string out;
  char buffer[8192];
  while (true) {
    ssize_t n = ::read(fd, buffer, sizeof buffer);
    if (n < 0) {
      if (errno == EINTR) continue;
      int saved = errno;
      ::close(fd);
      return read_error(path, saved);
    }
    if (n == 0) break;
    out.append(buffer, static_cast<std::size_t>(n));
    if (out.size() > kMaxFileSize) {
      ::close(fd);
      return Error{fmt::format("cannot read {}: larger than {} bytes", path.string(), kMaxFileSize)};
    }
  }
  ::close(fd);
  return out;
}

std::optional<std::string> process_environment_variable(std::string_view name) {
  const char* value = std::getenv(std::string(name).c_str());
  if (!value) return std::nullopt;
  return std::string(value);
}

}  // namespace sluice::k8s
