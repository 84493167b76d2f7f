#include "base/lifecycle/shutdown.hpp"

#include <csignal>
#include <cstdlib>

#include <boost/asio/io_context.hpp>
#include <boost/asio/signal_set.hpp>

#include "base/log/log.hpp"

namespace sluice::lifecycle {

struct ShutdownSignals::Impl : std::enable_shared_from_this<Impl> {
  Impl(boost::asio::io_context& io, std::function<void(int)> handler)
      : signals(io, SIGINT, SIGTERM), on_shutdown(std::move(handler)) {}

  void wait() {
    signals.async_wait([self = shared_from_this()](const boost::system::error_code& ec, int signal) {
      if (ec) return;  // cancelled
      if (self->requested) {
        log::warn("second shutdown signal: exiting now", {log::kv("signal", ::strsignal(signal))});
        std::_Exit(128 + signal);
      }
      self->requested = true;
      log::info("shutdown requested", {log::kv("signal", ::strsignal(signal))});
      self->on_shutdown(signal);
      self->wait();
    });
  }

  boost::asio::signal_set signals;
  std::function<void(int)> on_shutdown;
  bool requested = false;
};

ShutdownSignals::ShutdownSignals(boost::asio::io_context& io, std::function<void(int)> on_shutdown)
    : impl_(std::make_shared<Impl>(io, std::move(on_shutdown))) {
  impl_->wait();
}

ShutdownSignals::~ShutdownSignals() { cancel(); }

void ShutdownSignals::cancel() {
  boost::system::error_code ignored;
  impl_->signals.cancel(ignored);
  impl_->signals.clear(ignored);
}

}  // namespace sluice::lifecycle
