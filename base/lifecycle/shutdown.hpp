// Clean shutdown on SIGTERM and SIGINT through the daemon's io_context: the first
// signal calls the daemon's handler (stop accepting, close sessions, flush); a second
// one exits at once with 128+signal, for an operator who is done waiting.
#pragma once

#include <functional>
#include <memory>

namespace boost::asio {
class io_context;
}

namespace sluice::lifecycle {

class ShutdownSignals {
 public:
  ShutdownSignals(boost::asio::io_context& io, std::function<void(int signal)> on_shutdown);
  ~ShutdownSignals();
  ShutdownSignals(const ShutdownSignals&) = delete;
  ShutdownSignals& operator=(const ShutdownSignals&) = delete;

  // Stops listening for signals (their default action applies again).
  void cancel();

 private:
  struct Impl;
  std::shared_ptr<Impl> impl_;
};

}  // namespace sluice::lifecycle
