// ipamctl: the IPAM admin tool. This file is the shell: the API server connection from
// --kubeconfig/--context, the terminal for confirmations, the clock and the version;
// everything else is the ipamctl library.
#include <utility>  // boost/asio/awaitable.hpp (1.74) needs std::exchange

#include <unistd.h>

#include <cstdio>
#include <iostream>
#include <memory>
#include <string>

#include <boost/asio/io_context.hpp>

#include "base/asio/run_blocking.hpp"
#include "base/log/log.hpp"
#include "ipam/ipamctl/ipamctl.hpp"
#include "ipam/store/kubernetes_store.hpp"
#include "k8s-client/client/client.hpp"
#include "k8s-client/config/connection_source.hpp"

namespace {
using namespace sluice;

// Asked on stderr (stdout may be JSON going to a file); no terminal, no answer.
std::optional<bool> ask(std::string_view question) {
  if (!::isatty(STDIN_FILENO)) return std::nullopt;
  std::cerr << question << "\nProceed? [y/N] " << std::flush;
  std::string answer;
  if (!std::getline(std::cin, answer)) return false;
  return answer == "y" || answer == "Y" || answer == "yes";
}

int run(int argc, char** argv) {
  // Library warnings (an invalid pool skipped, ...) go to stderr, never into the output.
  log::init("ipamctl", log::Settings{log::Level::warn, log::Format::text});
  boost::asio::io_context io;
  std::unique_ptr<k8s::Client> client;
  std::unique_ptr<ipam::KubernetesStore> store;

  ipamctl::Runtime runtime;
  runtime.connect = [&](const ipamctl::ConnectionFlags& flags) -> Result<ipam::ObjectStore*> {
    auto config = k8s::resolve_connection(flags.kubeconfig, flags.context);
    if (!config) return config.error();
    k8s::ClientSettings settings;
    settings.request_timeout = std::chrono::seconds(15);
    settings.max_attempts = 3;
    auto created = k8s::Client::create(io.get_executor(), std::move(*config), settings);
    if (!created) return created.error();
    client = std::move(*created);
    store = std::make_unique<ipam::KubernetesStore>(*client);
    return store.get();
  };
  runtime.out = &std::cout;
  runtime.err = &std::cerr;
  runtime.confirm = ask;
  runtime.now = [] { return std::chrono::system_clock::now(); };
  runtime.new_cluster_guid = ipamctl::random_cluster_guid;
  runtime.version = SLUICE_VERSION;

  std::vector<std::string> args(argv + 1, argv + argc);
  const int status = run_blocking(io, ipamctl::run(std::move(args), runtime));
  std::cout.flush();
  return status;
}

}  // namespace

int main(int argc, char** argv) {
  // Errors are values throughout; an exception here is a bug or resource exhaustion,
  // reported plainly rather than as std::terminate.
  try {
    return run(argc, argv);
  } catch (const std::exception& e) {
    std::fprintf(stderr, "ipamctl: fatal: %s\n", e.what());
    return 1;
  }
}
