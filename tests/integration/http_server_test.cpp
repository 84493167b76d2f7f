// The operational HTTP server over a real loopback socket: status codes, content
// types, HEAD, keep-alive, oversized requests, and a stop that lets the loop end.
#include <doctest/doctest.h>

#include <thread>

#include <boost/asio/connect.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>

#include "base/http/endpoints.hpp"
#include "base/http/server.hpp"

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace bhttp = beast::http;
using tcp = asio::ip::tcp;
using namespace sluice;

namespace {
struct Client {
  asio::io_context io;
  tcp::socket socket{io};
  beast::flat_buffer buffer;
  explicit Client(std::uint16_t port) { socket.connect({asio::ip::make_address("127.0.0.1"), port}); }
  bhttp::response<bhttp::string_body> request(bhttp::verb verb, const std::string& target, std::string body = {}) {
    bhttp::request<bhttp::string_body> req{verb, target, 11};
    req.set(bhttp::field::host, "localhost");
    req.keep_alive(true);
    req.body() = std::move(body);
    req.prepare_payload();
    bhttp::write(socket, req);
    bhttp::response_parser<bhttp::string_body> parser;
    if (verb == bhttp::verb::head) parser.skip(true);
    bhttp::read(socket, buffer, parser);
    return parser.release();
  }
};
}  // namespace

TEST_CASE("health and metrics over a real socket") {
  health::Health h;
  metrics::Registry registry;
  registry.counter("sluice_test_total", "A test counter.").with({}).inc(7);
  http::OperationalEndpoints endpoints(h, registry);

  asio::io_context io;
  auto server = http::Server::start(io, *ip::Endpoint::parse("127.0.0.1:0"),
                                    [&](const http::Request& r) { return endpoints.handle(r); });
  REQUIRE_MESSAGE(server.ok(), server.error().message);
  std::uint16_t port = (*server)->local_endpoint().port;
  CHECK(port != 0);
  std::thread loop([&] { io.run(); });

  {
    Client c(port);
    auto metrics = c.request(bhttp::verb::get, "/metrics");
    CHECK(metrics.result_int() == 200);
    CHECK(metrics[bhttp::field::content_type] == "text/plain; version=0.0.4; charset=utf-8");
    CHECK(metrics.body().find("sluice_test_total 7\n") != std::string::npos);
    // Same connection (keep-alive).
    h.set_ready("datastore", false, "initial sync not complete");
    auto ready = c.request(bhttp::verb::get, "/readiness");
    CHECK(ready.result_int() == 503);
    CHECK(ready.body().find("[-] datastore: initial sync not complete") != std::string::npos);
    auto head = c.request(bhttp::verb::head, "/liveness");
    CHECK(head.result_int() == 200);
    CHECK(head.body().empty());
    CHECK(c.request(bhttp::verb::get, "/nope").result_int() == 404);
    CHECK(c.request(bhttp::verb::delete_, "/metrics").result_int() == 405);
  }
  {
    Client c(port);
    auto big = c.request(bhttp::verb::post, "/metrics", std::string(std::size_t{64} * 1024, 'x'));
    CHECK(big.result_int() == 413);
  }
  {
    // Garbage instead of HTTP gets a 400 and a closed connection, not a crash.
    Client c(port);
    asio::write(c.socket, asio::buffer(std::string("NOT HTTP AT ALL\r\n\r\n")));
    bhttp::response<bhttp::string_body> res;
    bhttp::read(c.socket, c.buffer, res);
    CHECK(res.result_int() == 400);
  }

  Client idle(port);  // an idle keep-alive connection must not keep the loop alive after stop
  asio::post(io, [&] { (*server)->stop(); });
  loop.join();  // returns only when the server has let go of everything
  CHECK(true);
}

TEST_CASE("listening on a taken port is a precise error") {
  asio::io_context io;
  auto first = http::Server::start(io, *ip::Endpoint::parse("127.0.0.1:0"), [](const http::Request&) { return http::Response{}; });
  REQUIRE(first.ok());
  auto taken = (*first)->local_endpoint();
  auto second = http::Server::start(io, taken, [](const http::Request&) { return http::Response{}; });
  REQUIRE_FALSE(second.ok());
  CHECK(second.error().message == "cannot bind HTTP listener on " + taken.to_string() + ": Address already in use");
}
