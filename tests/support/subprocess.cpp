#include "tests/support/subprocess.hpp"

#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <sys/prctl.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <stdexcept>
#include <thread>
#include <utility>

#include <fmt/format.h>

namespace sluice::testing {
namespace {

std::vector<char*> c_argv(const std::vector<std::string>& argv) {
  std::vector<char*> out;
  out.reserve(argv.size() + 1);
  for (const auto& a : argv) out.push_back(const_cast<char*>(a.c_str()));
  out.push_back(nullptr);
  return out;
}

// In the child: exec or report why not, without returning into the test.
// Only stdin, stdout and stderr cross: a child must not inherit the test's sockets (an
// in-process server's listener held open by a child could not be bound again on restart).
[[noreturn]] void exec_child(const std::vector<std::string>& argv) {
  auto args = c_argv(argv);
  ::close_range(3, ~0U, 0);
  ::execvp(args[0], args.data());
  std::string msg = fmt::format("cannot run {}: {}\n", argv[0], std::strerror(errno));
  (void)!::write(STDERR_FILENO, msg.data(), msg.size());
  ::_exit(127);
}

void stdin_from_devnull() {
  int devnull = ::open("/dev/null", O_RDONLY | O_CLOEXEC);
  if (devnull >= 0) ::dup2(devnull, STDIN_FILENO);  // dup2 clears CLOEXEC on the copy only
}

std::optional<int> wait_for_exit(pid_t pid, std::chrono::milliseconds timeout) {
  auto deadline = std::chrono::steady_clock::now() + timeout;
  while (true) {
    int status = 0;
    pid_t r = ::waitpid(pid, &status, WNOHANG);
    if (r == pid) return status;
    if (r < 0 && errno != EINTR) return -1;
    if (std::chrono::steady_clock::now() >= deadline) return std::nullopt;
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
  }
}

}  // namespace

CommandResult run(const std::vector<std::string>& argv, std::chrono::milliseconds timeout) {
  if (argv.empty()) throw std::invalid_argument("run: empty command");
  int pipe_fds[2];
  if (::pipe2(pipe_fds, O_CLOEXEC) != 0) throw std::runtime_error("pipe2 failed");
  pid_t pid = ::fork();
  if (pid < 0) {
    ::close(pipe_fds[0]);
    ::close(pipe_fds[1]);
    throw std::runtime_error("fork failed");
  }
  if (pid == 0) {
    ::dup2(pipe_fds[1], STDOUT_FILENO);
    ::dup2(pipe_fds[1], STDERR_FILENO);
    stdin_from_devnull();
    exec_child(argv);
  }
  ::close(pipe_fds[1]);
  CommandResult result;
  auto deadline = std::chrono::steady_clock::now() + timeout;
  char buffer[4096];
  while (true) {
    auto left = std::chrono::duration_cast<std::chrono::milliseconds>(deadline - std::chrono::steady_clock::now());
    if (left.count() <= 0) {
      result.timed_out = true;
      ::kill(pid, SIGKILL);
      break;
    }
    pollfd p{pipe_fds[0], POLLIN, 0};
    int n = ::poll(&p, 1, static_cast<int>(std::min<long long>(left.count(), 100)));
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) continue;
    ssize_t got = ::read(pipe_fds[0], buffer, sizeof(buffer));
    if (got < 0 && errno == EINTR) continue;
    if (got <= 0) break;  // every writer closed: the command (and its children) are done with it
    result.output.append(buffer, static_cast<std::size_t>(got));
  }
  ::close(pipe_fds[0]);
  // The pipe is closed; the process exits promptly (or was killed above). Wait only for
  // what is left of the deadline, so the whole call stays within it.
  auto left = std::max(std::chrono::milliseconds(100), std::chrono::duration_cast<std::chrono::milliseconds>(
                                                          deadline - std::chrono::steady_clock::now()));
  auto status = wait_for_exit(pid, result.timed_out ? std::chrono::milliseconds(5000) : left);
  if (!status) {
    ::kill(pid, SIGKILL);
    status = wait_for_exit(pid, std::chrono::seconds(5));
    result.timed_out = true;
  }
  if (status && WIFEXITED(*status) && !result.timed_out) result.exit_code = WEXITSTATUS(*status);
  return result;
}

std::string run_checked(const std::vector<std::string>& argv, std::chrono::milliseconds timeout) {
  CommandResult r = run(argv, timeout);
  if (!r.ok()) {
    std::string command;
    for (const auto& a : argv) command += (command.empty() ? "" : " ") + a;
    throw std::runtime_error(fmt::format("command failed ({}): {}\n{}",
                                         r.timed_out ? "timed out" : fmt::format("exit {}", r.exit_code), command,
                                         r.output));
  }
  return r.output;
}

Subprocess Subprocess::start(const std::vector<std::string>& argv, const std::filesystem::path& log_file) {
  if (argv.empty()) throw std::invalid_argument("Subprocess::start: empty command");
  int log = ::open(log_file.c_str(), O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0644);
  if (log < 0) throw std::runtime_error(fmt::format("cannot open {}: {}", log_file.string(), std::strerror(errno)));
  pid_t parent = ::getpid();
  pid_t pid = ::fork();
  if (pid < 0) {
    ::close(log);
    throw std::runtime_error("fork failed");
  }
  if (pid == 0) {
    ::dup2(log, STDOUT_FILENO);
    ::dup2(log, STDERR_FILENO);
    stdin_from_devnull();
    // Die with the test process, so a crashed test leaves no server behind.
    ::prctl(PR_SET_PDEATHSIG, SIGKILL);
    if (::getppid() != parent) ::_exit(1);
    exec_child(argv);
  }
  ::close(log);
  return Subprocess(pid, log_file);
}

Subprocess::Subprocess(Subprocess&& other) noexcept
    : pid_(std::exchange(other.pid_, -1)), status_(other.status_), log_file_(std::move(other.log_file_)) {}

Subprocess& Subprocess::operator=(Subprocess&& other) noexcept {
  if (this != &other) {
    if (pid_ > 0 && !status_) stop();
    pid_ = std::exchange(other.pid_, -1);
    status_ = other.status_;
    log_file_ = std::move(other.log_file_);
  }
  return *this;
}

Subprocess::~Subprocess() {
  if (pid_ > 0 && !status_) stop();
}

bool Subprocess::running() {
  if (pid_ <= 0 || status_) return false;
  int status = 0;
  if (::waitpid(pid_, &status, WNOHANG) == pid_) {
    status_ = status;
    return false;
  }
  return true;
}

int Subprocess::stop(std::chrono::milliseconds grace) {
  if (pid_ <= 0) return -1;
  if (status_) return *status_;
  ::kill(pid_, SIGTERM);
  auto status = wait_for_exit(pid_, grace);
  if (!status) {
    ::kill(pid_, SIGKILL);
    status = wait_for_exit(pid_, std::chrono::seconds(10));
  }
  status_ = status.value_or(-1);
  return *status_;
}

void Subprocess::kill() {
  if (pid_ <= 0 || status_) return;
  ::kill(pid_, SIGKILL);
  status_ = wait_for_exit(pid_, std::chrono::seconds(10)).value_or(-1);
}

}  // namespace sluice::testing
