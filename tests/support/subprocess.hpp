// Child processes for tests: run a command to completion with a deadline, or keep a
// server running and stop it by PID (never by name) when the test ends.
#pragma once

#include <sys/types.h>

#include <chrono>
#include <filesystem>
#include <optional>
#include <string>
#include <vector>

namespace sluice::testing {

struct CommandResult {
  int exit_code = -1;   // -1 when killed for running past the deadline or by a signal
  bool timed_out = false;
  std::string output;   // stdout and stderr interleaved

  bool ok() const { return exit_code == 0; }
};

// Runs argv[0] (looked up in PATH) with no shell; kills it when `timeout` passes.
CommandResult run(const std::vector<std::string>& argv,
                  std::chrono::milliseconds timeout = std::chrono::seconds(30));

// Throws with the command's output unless it exits 0; returns the output.
std::string run_checked(const std::vector<std::string>& argv,
                        std::chrono::milliseconds timeout = std::chrono::seconds(30));

class Subprocess {
 public:
  // Starts argv with stdout and stderr appended to `log_file`.
  static Subprocess start(const std::vector<std::string>& argv, const std::filesystem::path& log_file);

  Subprocess(Subprocess&& other) noexcept;
  Subprocess& operator=(Subprocess&& other) noexcept;
  Subprocess(const Subprocess&) = delete;
  ~Subprocess();

  pid_t pid() const { return pid_; }
  bool running();
  // SIGTERM, then SIGKILL after `grace`; returns the exit status (as from waitpid).
  int stop(std::chrono::milliseconds grace = std::chrono::seconds(5));
  // SIGKILL at once, as a crash would.
  void kill();
  const std::filesystem::path& log_file() const { return log_file_; }

 private:
  Subprocess(pid_t pid, std::filesystem::path log) : pid_(pid), log_file_(std::move(log)) {}
  pid_t pid_ = -1;
  std::optional<int> status_;
  std::filesystem::path log_file_;
};

}  // namespace sluice::testing
