#include "k8s-client/test-apiserver/server.hpp"

#include <charconv>
#include <map>

#include <fmt/format.h>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/redirect_error.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>

#include "base/asio/ip_conversion.hpp"
#include "base/http/stream.hpp"
#include "base/json/json.hpp"
#include "base/log/log.hpp"
#include "k8s-client/test-apiserver/etcd.hpp"
#include "k8s-client/test-apiserver/objects.hpp"
#include "k8s-client/test-apiserver/selectors.hpp"
#include "k8s-client/test-apiserver/status.hpp"

namespace sluice::apiserver {
namespace {

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace bhttp = beast::http;
using tcp = asio::ip::tcp;
using Request = bhttp::request<bhttp::string_body>;

constexpr std::size_t kBodyLimit = std::size_t{3} << 20;  // kube-apiserver's request limit
constexpr auto kIdle = std::chrono::minutes(5);
constexpr auto kDefaultWatchTimeout = std::chrono::seconds(1800);

std::string url_decode(std::string_view s) {
  std::string out;
  for (std::size_t i = 0; i < s.size(); ++i) {
    if (s[i] == '%' && i + 2 < s.size()) {
      int v = 0;
      auto [p, ec] = std::from_chars(s.data() + i + 1, s.data() + i + 3, v, 16);
      if (ec == std::errc() && p == s.data() + i + 3) {
        out += static_cast<char>(v);
        i += 2;
        continue;
      }
    }
    out += s[i] == '+' ? ' ' : s[i];
  }
  return out;
}

std::map<std::string, std::string> parse_query(std::string_view q) {
  std::map<std::string, std::string> out;
  while (!q.empty()) {
    auto amp = q.find('&');
    std::string_view pair = q.substr(0, amp);
    auto eq = pair.find('=');
    out[url_decode(pair.substr(0, eq))] = eq == std::string_view::npos ? "" : url_decode(pair.substr(eq + 1));
    if (amp == std::string_view::npos) break;
    q.remove_prefix(amp + 1);
  }
  return out;
}

bool truthy(const std::map<std::string, std::string>& q, const std::string& key) {
  auto it = q.find(key);
  return it != q.end() && (it->second == "1" || it->second == "true");
}

std::string discovery_resources(std::string_view group_version) {
  std::string items;
  for (const auto& t : served_resources()) {
    if (t.api_version() != group_version) continue;
    if (!items.empty()) items += ',';
    items += fmt::format(
        R"({{"name":"{}","singularName":"","namespaced":{},"kind":"{}","verbs":["create","delete","get","list","patch","update","watch"]}})",
        t.plural, t.namespaced ? "true" : "false", t.kind);
    if (t.status_subresource) {
      items += fmt::format(
          R"(,{{"name":"{}/status","singularName":"","namespaced":{},"kind":"{}","verbs":["get","patch","update"]}})",
          t.plural, t.namespaced ? "true" : "false", t.kind);
    }
  }
  if (items.empty()) return {};
  return fmt::format(R"({{"kind":"APIResourceList","apiVersion":"v1","groupVersion":"{}","resources":[{}]}})",
                     group_version, items);
}

std::string discovery_groups() {
  std::string groups;
  std::vector<std::string> seen;
  for (const auto& t : served_resources()) {
    if (t.group.empty() || std::find(seen.begin(), seen.end(), t.group) != seen.end()) continue;
    seen.push_back(t.group);
    if (!groups.empty()) groups += ',';
    groups += fmt::format(
        R"({{"name":"{0}","versions":[{{"groupVersion":"{0}/{1}","version":"{1}"}}],"preferredVersion":{{"groupVersion":"{0}/{1}","version":"{1}"}}}})",
        t.group, t.version);
  }
  return fmt::format(R"({{"kind":"APIGroupList","apiVersion":"v1","groups":[{}]}})", groups);
}

}  // namespace

struct Server::Impl : std::enable_shared_from_this<Impl> {
  Impl(asio::io_context& io, const ServerOptions& o)
      : acceptor(io), options(o), etcd(io.get_executor(), o.etcd), objects(etcd) {}

  tcp::acceptor acceptor;
  ServerOptions options;
  Etcd etcd;
  Objects objects;
  std::vector<std::weak_ptr<http::Stream>> connections;
  std::shared_ptr<asio::ssl::context> tls;  // null: plain HTTP
  bool stopped = false;

  asio::awaitable<void> accept_loop() {
    auto self = shared_from_this();
    while (!stopped) {
      beast::error_code ec;
      tcp::socket socket = co_await acceptor.async_accept(asio::redirect_error(asio::use_awaitable, ec));
      if (ec) {
        if (stopped || ec == asio::error::operation_aborted) co_return;
        continue;
      }
      beast::tcp_stream transport(std::move(socket));
      auto stream = tls ? std::make_shared<http::Stream>(std::move(transport), tls)
                        : std::make_shared<http::Stream>(std::move(transport));
      std::erase_if(connections, [](const auto& w) { return w.expired(); });
      connections.push_back(stream);
      asio::co_spawn(acceptor.get_executor(), session(stream), asio::detached);
    }
  }

  asio::awaitable<void> session(std::shared_ptr<http::Stream> stream) {
    auto self = shared_from_this();
    beast::flat_buffer buffer;
    stream->tcp().expires_after(std::chrono::seconds(10));
    if (auto ec = co_await stream->server_handshake(); ec) {
      log::debug("TLS handshake failed", {log::kv("error", ec.message())});
      stream->tcp().close();
      co_return;
    }
    // A verified client certificate authenticates the whole connection.
    bool cert_authenticated = stream->peer_common_name().has_value();
    while (!stopped) {
      bhttp::request_parser<bhttp::string_body> parser;
      parser.body_limit(kBodyLimit);
      stream->tcp().expires_after(kIdle);
      beast::error_code ec;
      co_await bhttp::async_read(*stream, buffer, parser, asio::redirect_error(asio::use_awaitable, ec));
      if (ec) {
        if (ec != bhttp::error::end_of_stream && ec != beast::error::timeout && ec != asio::error::operation_aborted &&
            ec != asio::error::connection_reset && ec != asio::error::eof) {
          {
            Reply answer = bad_request(fmt::format("malformed HTTP request: {}", ec.message()));
            co_await reply(*stream, 11, false, std::move(answer));
          }
        }
        break;
      }
      Request request = parser.release();
      stream->tcp().expires_never();
      bool keep = co_await handle(*stream, request, cert_authenticated);
      if (!keep || !request.keep_alive()) break;
    }
    stream->tcp().expires_after(std::chrono::seconds(5));
    co_await stream->shutdown();
  }

  static asio::awaitable<bool> reply(http::Stream& stream, unsigned version, bool keep_alive, Reply r,
                                     std::string_view content_type = "application/json") {
    bhttp::response<bhttp::string_body> res{static_cast<bhttp::status>(r.status), version};
    res.set(bhttp::field::content_type, beast::string_view(content_type.data(), content_type.size()));
    res.set(bhttp::field::cache_control, "no-cache, private");
    res.keep_alive(keep_alive);
    res.body() = std::move(r.body);
    res.prepare_payload();
    beast::error_code ec;
    stream.tcp().expires_after(std::chrono::seconds(30));
    co_await bhttp::async_write(stream, res, asio::redirect_error(asio::use_awaitable, ec));
    co_return !ec;
  }

  asio::awaitable<bool> handle(http::Stream& stream, const Request& req, bool cert_authenticated) {
    std::string_view target(req.target().data(), req.target().size());
    std::string_view path = target.substr(0, target.find('?'));
    auto query = parse_query(target.find('?') == std::string_view::npos ? "" : target.substr(target.find('?') + 1));
    unsigned v = req.version();
    bool keep = req.keep_alive();

    if (path == "/readyz" || path == "/livez" || path == "/healthz") {
      Reply answer = {200, "ok"};
      co_return co_await reply(stream, v, keep, std::move(answer), "text/plain");
    }
    if (!options.token.empty() && !cert_authenticated) {
      auto auth = req[bhttp::field::authorization];
      if (std::string_view(auth.data(), auth.size()) != "Bearer " + options.token) {
        {
          Reply answer = unauthorized();
          co_return co_await reply(stream, v, keep, std::move(answer));
        }
      }
    }
    if (path == "/version") {
      Reply answer{200, R"({"major":"1","minor":"26","gitVersion":"v1.26.0-sluice-test","platform":"linux/amd64"})"};
      co_return co_await reply(stream, v, keep, std::move(answer));
    }
    if (path == "/api") {
      {
        Reply answer = {200, R"({"kind":"APIVersions","versions":["v1"],"serverAddressByClientCIDRs":[]})"};
        co_return co_await reply(stream, v, keep, std::move(answer));
      }
    }
    if (path == "/apis") {
      Reply answer = {200, discovery_groups()};
      co_return co_await reply(stream, v, keep, std::move(answer));
    }
    if (path == "/api/v1" || (path.rfind("/apis/", 0) == 0 && std::count(path.begin(), path.end(), '/') == 3)) {
      std::string gv = path == "/api/v1" ? "v1" : std::string(path.substr(6));
      std::string doc = discovery_resources(gv);
      if (!doc.empty()) {
        Reply answer = {200, doc};
        co_return co_await reply(stream, v, keep, std::move(answer));
      }
    }

    auto resource = parse_resource_path(path);
    if (!resource) {
      Reply answer = status_failure(404, "NotFound", "the server could not find the requested resource");
      co_return co_await reply(stream, v, keep, std::move(answer));
    }
    bool collection = resource->name.empty();
    auto method = req.method();

    Reply r;
    if (method == bhttp::verb::get && collection && truthy(query, "watch")) {
      co_return co_await watch(stream, v, *resource, query);
    } else if (method == bhttp::verb::get && collection) {
      ListQuery q;
      q.label_selector = query["labelSelector"];
      q.field_selector = query["fieldSelector"];
      q.continue_token = query["continue"];
      q.resource_version = query["resourceVersion"];
      q.resource_version_match = query["resourceVersionMatch"];
      if (!query["limit"].empty()) {
        auto [p, ec] = std::from_chars(query["limit"].data(), query["limit"].data() + query["limit"].size(), q.limit);
        if (ec != std::errc()) q.limit = -1;
      }
      r = co_await objects.list(*resource, q);
    } else if (method == bhttp::verb::get) {
      r = co_await objects.get(*resource);
    } else if (method == bhttp::verb::post && collection && !resource->status) {
      r = co_await objects.create(*resource, req.body());
    } else if (method == bhttp::verb::put && !collection) {
      r = co_await objects.update(*resource, req.body());
    } else if (method == bhttp::verb::patch && !collection) {
      auto type = req[bhttp::field::content_type];
      if (std::string_view(type.data(), type.size()).rfind("application/merge-patch+json", 0) != 0) {
        r = status_failure(415, "UnsupportedMediaType",
                           fmt::format("the body of the request was in an unknown format - accepted media types "
                                       "include: application/merge-patch+json"));
      } else {
        r = co_await objects.merge_patch(*resource, req.body());
      }
    } else if (method == bhttp::verb::delete_ && !collection) {
      r = co_await objects.remove(*resource, req.body());
    } else {
      r = status_failure(405, "MethodNotAllowed", "the server does not allow this method on the requested resource");
    }
    co_return co_await reply(stream, v, keep, std::move(r));
  }

  // A watch: chunked JSON events, one per line, as the real server streams them.
  asio::awaitable<bool> watch(http::Stream& stream, unsigned version, const ResourcePath& path,
                              std::map<std::string, std::string>& query) {
    auto labels = LabelSelector::parse(query["labelSelector"]);
    if (!labels) {
      Reply answer = bad_request(labels.error().message);
      co_return co_await reply(stream, version, false, std::move(answer));
    }
    auto fields = FieldSelector::parse(query["fieldSelector"], path.type->kind);
    if (!fields) {
      Reply answer = bad_request(fields.error().message);
      co_return co_await reply(stream, version, false, std::move(answer));
    }
    bool bookmarks = truthy(query, "allowWatchBookmarks");
    std::chrono::milliseconds timeout = kDefaultWatchTimeout;
    if (!query["timeoutSeconds"].empty()) {
      long seconds = 0;
      auto& t = query["timeoutSeconds"];
      auto [p, ec] = std::from_chars(t.data(), t.data() + t.size(), seconds);
      if (ec != std::errc() || seconds < 0) {
        Reply answer = bad_request("invalid timeoutSeconds");
        co_return co_await reply(stream, version, false, std::move(answer));
      }
      timeout = std::chrono::seconds(seconds);
    }
    std::int64_t from = 0;
    const std::string& rv = query["resourceVersion"];
    bool initial_list = rv.empty() || rv == "0";
    if (!initial_list) {
      auto [p, ec] = std::from_chars(rv.data(), rv.data() + rv.size(), from);
      if (ec != std::errc() || p != rv.data() + rv.size() || from < 0) {
        {
          Reply answer = bad_request(fmt::format("invalid resourceVersion: {}", rv));
          co_return co_await reply(stream, version, false, std::move(answer));
        }
      }
    }

    bhttp::response<bhttp::empty_body> header{bhttp::status::ok, version};
    header.set(bhttp::field::content_type, "application/json");
    header.set(bhttp::field::cache_control, "no-cache, private");
    header.chunked(true);
    bhttp::response_serializer<bhttp::empty_body> serializer(header);
    beast::error_code ec;
    co_await bhttp::async_write_header(stream, serializer, asio::redirect_error(asio::use_awaitable, ec));
    if (ec) co_return false;

    auto send = [&](std::string data) -> asio::awaitable<Status> {
      beast::error_code wec;
      stream.tcp().expires_after(std::chrono::seconds(30));
      co_await asio::async_write(stream, bhttp::make_chunk(asio::buffer(data)),
                                 asio::redirect_error(asio::use_awaitable, wec));
      stream.tcp().expires_never();
      if (wec) co_return Error{"the watcher went away"};
      co_return Status{};
    };
    auto matches = [&](const rapidjson::Value& object) {
      return labels->matches(labels_of(object)) && fields->matches(object);
    };
    auto bookmark = [&](std::int64_t revision) {
      return fmt::format(
                 R"({{"type":"BOOKMARK","object":{{"apiVersion":"{}","kind":"{}","metadata":{{"resourceVersion":"{}"}}}}}})",
                 path.type->api_version(), path.type->kind, revision) +
             "\n";
    };

    std::string prefix = storage_prefix(path);
    std::int64_t delivered = from;  // every event up to this revision has been sent
    if (initial_list) {
      // A watch without a version first sends every existing object as ADDED.
      std::string from_key = prefix, to_key = prefix_end(prefix);
      auto current = co_await etcd.range(std::move(from_key), std::move(to_key), 0, 0);
      if (!current) co_return false;
      std::string chunk;
      for (const auto& kv : current->kvs) {
        auto doc = json::parse(kv.value);
        if (!doc || !matches(*doc)) continue;
        chunk +=
            fmt::format(R"({{"type":"ADDED","object":{}}})", with_resource_version(kv.value, kv.mod_revision)) + "\n";
      }
      if (!chunk.empty() && !(co_await send(std::move(chunk)))) co_return false;
      delivered = current->revision;
    }

    auto deadline = std::chrono::steady_clock::now() + timeout;
    auto next_bookmark = std::chrono::steady_clock::now() + options.bookmark_interval;
    bool client_gone = false;
    while (!stopped && !client_gone) {
      auto now = std::chrono::steady_clock::now();
      if (now >= deadline) break;
      auto wait = std::min(deadline, next_bookmark) - now;
      auto idle = std::max(std::chrono::milliseconds(10), std::chrono::duration_cast<std::chrono::milliseconds>(wait));
      auto on_events = [&](std::vector<WatchEvent> events, std::int64_t header_revision) -> asio::awaitable<Status> {
        std::string chunk;
        for (const auto& e : events) {
          const std::string& body = e.deleted ? (e.previous ? e.previous->value : std::string()) : e.kv.value;
          auto now_doc = json::parse(body);
          if (!now_doc) continue;
          bool now_matches = matches(*now_doc);
          bool before_matches = false;
          if (!e.deleted && e.previous) {
            auto before = json::parse(e.previous->value);
            before_matches = before && matches(*before);
          }
          std::string type;
          if (e.deleted) {
            type = now_matches ? "DELETED" : "";
          } else if (now_matches) {
            type = (e.kv.create_revision == e.kv.mod_revision || !before_matches) ? "ADDED" : "MODIFIED";
          } else if (before_matches) {
            type = "DELETED";  // it left the selector
          }
          delivered = std::max(delivered, e.kv.mod_revision);
          if (type.empty()) continue;
          chunk += fmt::format(R"({{"type":"{}","object":{}}})", type, with_resource_version(body, e.kv.mod_revision)) +
                   "\n";
        }
        // A response with no events is etcd reporting progress: nothing older is pending.
        if (events.empty()) delivered = std::max(delivered, header_revision);
        if (!chunk.empty()) {
          if (auto s = co_await send(std::move(chunk)); !s) {
            client_gone = true;
            co_return s;
          }
        }
        co_return Status{};
      };
      std::string from_key = prefix, to_key = prefix_end(prefix);
      std::function<asio::awaitable<Status>(std::vector<WatchEvent>, std::int64_t)> on_events_fn = on_events;
      Status s = co_await etcd.watch(std::move(from_key), std::move(to_key), delivered + 1, std::move(on_events_fn),
                                     std::chrono::duration_cast<std::chrono::milliseconds>(idle));
      if (client_gone) co_return false;
      if (!s && s.error().code == kCompacted) {
        std::string message = fmt::format("too old resource version: {} ({})", from, etcd.last_compact_revision());
        std::string status = status_json(410, "Expired", message);
        std::string error_event = fmt::format(R"({{"type":"ERROR","object":{}}})", status) + "\n";
        (void)co_await send(std::move(error_event));
        break;
      }
      if (!s && s.error().code != http::kErrorTimeout) {
        log::warn("watch stream from etcd ended", {log::kv("error", s.error().message)});
        break;
      }
      if (bookmarks && std::chrono::steady_clock::now() >= next_bookmark) {
        std::string mark = bookmark(delivered);
        if (!(co_await send(std::move(mark)))) co_return false;
        next_bookmark = std::chrono::steady_clock::now() + options.bookmark_interval;
      }
    }
    // Like the real server, a bookmark just before a timed-out watch ends.
    if (bookmarks && !stopped) {
      std::string mark = bookmark(delivered);
      if (!(co_await send(std::move(mark)))) co_return false;
    }
    co_await asio::async_write(stream, bhttp::make_chunk_last(), asio::redirect_error(asio::use_awaitable, ec));
    co_return !ec;
  }
};

Result<std::unique_ptr<Server>> Server::start(asio::io_context& io, const ServerOptions& options) {
  auto impl = std::make_shared<Impl>(io, options);
  if (options.tls) {
    auto context = http::make_server_context(*options.tls);
    if (!context) return context.error();
    impl->tls = std::move(*context);
  }
  tcp::endpoint endpoint = to_asio(options.listen);
  beast::error_code ec;
  auto fail = [&](std::string_view step) {
    return Error{fmt::format("cannot {} API listener on {}: {}", step, options.listen.to_string(), ec.message())};
  };
  if (impl->acceptor.open(endpoint.protocol(), ec); ec) return fail("open");
  if (impl->acceptor.set_option(asio::socket_base::reuse_address(true), ec); ec) return fail("configure");
  if (impl->acceptor.bind(endpoint, ec); ec) return fail("bind");
  if (impl->acceptor.listen(asio::socket_base::max_listen_connections, ec); ec) return fail("listen on");
  asio::co_spawn(io, impl->accept_loop(), asio::detached);
  return std::unique_ptr<Server>(new Server(std::move(impl)));
}

Server::~Server() {
  stop();
}

ip::Endpoint Server::local_endpoint() const {
  beast::error_code ec;
  auto ep = impl_->acceptor.local_endpoint(ec);
  return ec ? ip::Endpoint{} : from_asio(ep);
}

void Server::stop() {
  if (impl_->stopped) return;
  impl_->stopped = true;
  beast::error_code ignored;
  impl_->acceptor.close(ignored);
  for (auto& weak : impl_->connections) {
    if (auto c = weak.lock()) c->tcp().close();
  }
}

}  // namespace sluice::apiserver
