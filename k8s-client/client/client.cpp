#include "k8s-client/client/client.hpp"

#include <fmt/format.h>
#include <boost/asio/redirect_error.hpp>
#include <boost/asio/use_awaitable.hpp>

#include "base/asio/sleep.hpp"
#include "base/http/client.hpp"
#include "base/json/json.hpp"
#include "base/log/log.hpp"
#include "base/retry/token_bucket.hpp"
#include "base/text/line_splitter.hpp"
#include "k8s-client/client/object_identity.hpp"
#include "k8s-client/config/token_source.hpp"

namespace sluice::k8s {
namespace {

namespace asio = boost::asio;

constexpr int kMaxListRestarts = 5;
constexpr auto kMaxRetryDelay = std::chrono::seconds(60);

bool is_success(int status) {
  return status >= 200 && status <= 299;
}

// Whether a failed attempt may be sent again. A request that never reached the server
// (connect or TLS failure) and one the server refused with 429 were not processed, so
// any verb may repeat; anything else repeats only for reads, since a write the server
// may have applied must not be applied twice.
bool retryable(const ApiError& error, int transport_code, bool idempotent) {
  if (error.kind == ApiErrorKind::transport) return transport_code == http::kErrorConnect || idempotent;
  if (error.http_status == 429) return true;
  if (!idempotent) return false;
  return error.http_status == 500 || error.http_status == 502 || error.http_status == 503 ||
         error.http_status == 504 || error.kind == ApiErrorKind::timeout;
}

ApiResult<rapidjson::Document> parse_body(const http::ClientResponse& response) {
  auto doc = json::parse(response.body);
  if (!doc) {
    ApiError e;
    e.kind = ApiErrorKind::bad_response;
    e.http_status = response.status;
    e.message = doc.error().context("the server's answer is not JSON").message;
    return e;
  }
  return std::move(*doc);
}

ApiError bad_response(std::string message) {
  ApiError e;
  e.kind = ApiErrorKind::bad_response;
  e.message = std::move(message);
  return e;
}

void add_query(std::string& target, std::string_view name, std::string_view value) {
  if (value.empty()) return;
  target += target.find('?') == std::string::npos ? '?' : '&';
  target += name;
  target += '=';
  target += query_escape(value);
}

}  // namespace

std::string_view to_string(WatchEventType type) {
  switch (type) {
    case WatchEventType::added: return "ADDED";
    case WatchEventType::modified: return "MODIFIED";
    case WatchEventType::deleted: return "DELETED";
    case WatchEventType::bookmark: return "BOOKMARK";
  }
  return "?";
}

std::size_t ListResult::size() const {
  std::size_t n = 0;
  for (const auto& page : pages) n += page.items().Size();
  return n;
}

struct Client::Impl {
  Impl(asio::any_io_executor e, ConnectionConfig c, ClientSettings s)
      : executor(std::move(e)),
        config(std::move(c)),
        settings(s),
        bucket(s.qps, s.burst, retry::TokenBucket::Clock::now()) {}

  asio::any_io_executor executor;
  ConnectionConfig config;
  ClientSettings settings;
  std::unique_ptr<http::Client> http;
  std::optional<TokenSource> token;
  std::string basic_authorization;
  retry::TokenBucket bucket;

  std::string target(std::string_view path) const { return config.server.base_path + std::string(path); }

  void authorize(http::ClientRequest& request) {
    std::string value;
    if (token) {
      auto current = token->current();
      if (current.refresh_error)
        log::warn("cannot re-read the bearer token; using the last one read",
                  {log::kv("error", current.refresh_error->message)});
      value = "Bearer " + current.value;
    } else if (!basic_authorization.empty()) {
      value = basic_authorization;
    }
    if (!value.empty()) request.headers.emplace_back("Authorization", std::move(value));
  }

  asio::awaitable<void> throttle() {
    auto delay = bucket.reserve(retry::TokenBucket::Clock::now());
    co_await sleep_for(delay);
  }

  // One API call with the retry policy above; a non-2xx answer becomes a typed error.
  asio::awaitable<ApiResult<http::ClientResponse>> send(http::ClientRequest request, bool idempotent) {
    retry::Backoff attempt_backoff(settings.backoff);
    for (int attempt = 1;; ++attempt) {
      co_await throttle();
      http::ClientRequest sent = request;
      authorize(sent);
      auto response = co_await http->request(std::move(sent), settings.request_timeout);
      ApiError error;
      int transport_code = 0;
      if (!response) {
        error = transport_error(response.error());
        transport_code = response.error().code;
      } else if (is_success(response->status)) {
        co_return std::move(*response);
      } else {
        error = error_from_response(response->status, response->body, response->retry_after_seconds);
      }
      if (attempt >= settings.max_attempts || !retryable(error, transport_code, idempotent)) co_return error;
      std::chrono::steady_clock::duration delay = attempt_backoff.next();
      if (error.retry_after) delay = std::min<std::chrono::steady_clock::duration>(*error.retry_after, kMaxRetryDelay);
      log::debug("retrying a Kubernetes API request",
                 {log::kv("method", request.method), log::kv("target", request.target),
                  log::kv("attempt", attempt), log::kv("error", error.describe())});
      co_await sleep_for(delay);
    }
  }

  http::ClientRequest make_request(std::string_view method, std::string_view path, std::string_view body = {},
                                   std::string_view content_type = {}) const {
    http::ClientRequest request;
    request.method = method;
    request.target = target(path);
    request.body = body;
    request.content_type = content_type;
    return request;
  }

  // Requests are built into named variables before co_await (see the header).
  asio::awaitable<ApiResult<rapidjson::Document>> call(http::ClientRequest request, bool idempotent) {
    auto response = co_await send(std::move(request), idempotent);
    if (!response) co_return response.error();
    co_return parse_body(*response);
  }
};

Result<std::unique_ptr<Client>> Client::create(asio::any_io_executor executor, ConnectionConfig config,
                                               ClientSettings settings) {
  http::ClientOptions options;
  options.host = config.server.host;
  options.port = config.server.port;
  if (config.server.scheme == Scheme::https) {
    http::ClientTls tls;
    tls.ca_pem = config.tls.ca_pem;
    tls.insecure_skip_verify = config.tls.insecure_skip_verify;
    tls.server_name = config.tls.server_name;
    tls.client_cert_pem = config.tls.client_certificate_pem;
    tls.client_key_pem = config.tls.client_key_pem;
    options.tls = std::move(tls);
  }
  auto http_client = http::Client::create(executor, std::move(options));
  if (!http_client) return http_client.error().context(config.source);

  std::unique_ptr<Client> client(new Client());
  client->impl_ = std::make_unique<Impl>(executor, std::move(config), settings);
  Impl& impl = *client->impl_;
  impl.http = std::move(*http_client);
  if (const auto* literal = std::get_if<BearerToken>(&impl.config.credentials)) {
    auto source = TokenSource::from_literal(literal->token);
    if (!source) return source.error().context(impl.config.source);
    impl.token.emplace(std::move(*source));
  } else if (const auto* file = std::get_if<BearerTokenFile>(&impl.config.credentials)) {
    auto source = TokenSource::from_file(file->path, impl.settings.token_recheck_interval);
    if (!source) return source.error().context(impl.config.source);
    impl.token.emplace(std::move(*source));
  } else if (const auto* basic = std::get_if<BasicAuth>(&impl.config.credentials)) {
    impl.basic_authorization = basic_authorization(*basic);
  }
  return client;
}

Client::~Client() = default;

const ConnectionConfig& Client::config() const {
  return impl_->config;
}

asio::awaitable<ApiResult<rapidjson::Document>> Client::get(const ResourceType& type, std::string_view ns,
                                                            std::string_view name) {
  auto request = impl_->make_request("GET", type.path(ns, name));
  co_return co_await impl_->call(std::move(request), true);
}

asio::awaitable<ApiResult<ListPage>> Client::list_page(const ResourceType& type, std::string_view ns,
                                                       const ListOptions& options) {
  std::string path = type.path(ns);
  add_query(path, "labelSelector", options.label_selector);
  add_query(path, "fieldSelector", options.field_selector);
  if (options.limit > 0) add_query(path, "limit", std::to_string(options.limit));
  add_query(path, "continue", options.continue_token);
  add_query(path, "resourceVersion", options.resource_version);
  add_query(path, "resourceVersionMatch", options.resource_version_match);
  auto request = impl_->make_request("GET", path);
  auto doc = co_await impl_->call(std::move(request), true);
  if (!doc) co_return doc.error();
  ListPage page;
  page.document = std::move(*doc);
  auto& d = page.document;
  if (!d.IsObject()) co_return bad_response("a list answer is not a JSON object");
  // The real server writes "items": null for an empty list of some kinds.
  auto* items = json::find(d, "items");
  if (items == nullptr || items->IsNull()) {
    d.RemoveMember("items");
    d.AddMember("items", rapidjson::Value(rapidjson::kArrayType), d.GetAllocator());
  } else if (!items->IsArray()) {
    co_return bad_response(fmt::format("items: expected an array, got {}", json::type_name(*items)));
  }
  if (const auto* meta = json::find(d, "metadata"); meta != nullptr && meta->IsObject()) {
    if (auto rv = json::get_string(*meta, "resourceVersion", "metadata"); rv) page.resource_version = *rv;
    if (auto next = json::get_string(*meta, "continue", "metadata"); next) page.continue_token = *next;
    if (auto remaining = json::get_int64(*meta, "remainingItemCount", "metadata"); remaining)
      page.remaining_item_count = *remaining;
  }
  co_return page;
}

asio::awaitable<ApiResult<ListResult>> Client::list(const ResourceType& type, std::string_view ns,
                                                    const ListOptions& options) {
  for (int restart = 0;; ++restart) {
    ListResult result;
    ListOptions page_options = options;
    bool expired = false;
    while (true) {
      auto page = co_await list_page(type, ns, page_options);
      if (!page) {
        // A continue token outlives its revision only until compaction: start over.
        if (page.error().kind == ApiErrorKind::expired && !page_options.continue_token.empty() &&
            restart < kMaxListRestarts) {
          expired = true;
          break;
        }
        co_return page.error();
      }
      if (result.pages.empty()) result.resource_version = page->resource_version;
      page_options.continue_token = page->continue_token;
      // Later pages are read at the first page's revision; only the token carries it.
      page_options.resource_version.clear();
      page_options.resource_version_match.clear();
      result.pages.push_back(std::move(*page));
      if (page_options.continue_token.empty()) co_return result;
    }
    if (!expired) co_return result;
    log::info("list continue token expired; listing again", {log::kv("resource", type.plural)});
  }
}

asio::awaitable<ApiResult<rapidjson::Document>> Client::create(const ResourceType& type, std::string_view ns,
                                                               std::string_view body) {
  // Create is not idempotent (a retried POST after a lost answer would say AlreadyExists).
  auto request = impl_->make_request("POST", type.path(ns), body, "application/json");
  co_return co_await impl_->call(std::move(request), false);
}

asio::awaitable<ApiResult<rapidjson::Document>> Client::update(const ResourceType& type, std::string_view ns,
                                                               std::string_view name, std::string_view body,
                                                               std::string_view subresource) {
  auto request = impl_->make_request("PUT", type.path(ns, name, subresource), body, "application/json");
  co_return co_await impl_->call(std::move(request), false);
}

asio::awaitable<ApiResult<rapidjson::Document>> Client::merge_patch(const ResourceType& type, std::string_view ns,
                                                                    std::string_view name, std::string_view patch,
                                                                    std::string_view subresource) {
  auto request =
      impl_->make_request("PATCH", type.path(ns, name, subresource), patch, "application/merge-patch+json");
  co_return co_await impl_->call(std::move(request), false);
}

asio::awaitable<ApiResult<rapidjson::Document>> Client::remove(const ResourceType& type, std::string_view ns,
                                                               std::string_view name,
                                                               const Preconditions& preconditions) {
  std::string body;
  if (!preconditions.uid.empty() || !preconditions.resource_version.empty()) {
    rapidjson::Document options(rapidjson::kObjectType);
    auto& a = options.GetAllocator();
    json::set_string(options, "kind", "DeleteOptions", a);
    json::set_string(options, "apiVersion", "v1", a);
    auto& pre = json::ensure_object(options, "preconditions", a);
    if (!preconditions.uid.empty()) json::set_string(pre, "uid", preconditions.uid, a);
    if (!preconditions.resource_version.empty())
      json::set_string(pre, "resourceVersion", preconditions.resource_version, a);
    body = json::serialize(options);
  }
  auto request = impl_->make_request("DELETE", type.path(ns, name), body, body.empty() ? "" : "application/json");
  co_return co_await impl_->call(std::move(request), false);
}

asio::awaitable<ApiResult<rapidjson::Document>> Client::remove(const ResourceType& type, std::string_view ns,
                                                               std::string_view name) {
  static const Preconditions kNone;
  return remove(type, ns, name, kNone);
}

asio::awaitable<ApiResult<std::string>> Client::watch(const ResourceType& type, std::string_view ns,
                                                      const WatchOptions& options, WatchHandler handler) {
  std::string path = type.path(ns);
  add_query(path, "watch", "1");
  if (options.bookmarks) add_query(path, "allowWatchBookmarks", "true");
  add_query(path, "timeoutSeconds", std::to_string(options.timeout.count()));
  add_query(path, "resourceVersion", options.resource_version);
  add_query(path, "labelSelector", options.label_selector);
  add_query(path, "fieldSelector", options.field_selector);

  std::string last_version = options.resource_version;
  std::optional<ApiError> failure;
  text::LineSplitter splitter;
  auto on_line = [&](std::string_view line) -> Status {
    if (!line.empty() && line.back() == '\r') line.remove_suffix(1);
    if (line.empty()) return {};
    auto doc = json::parse(line);
    if (!doc) {
      failure = bad_response(doc.error().context("a watch event is not JSON").message);
      return failure->to_error();
    }
    auto type_name = json::get_string(*doc, "type", "");
    const auto* object = json::find(*doc, "object");
    if (!type_name || object == nullptr || !object->IsObject()) {
      failure = bad_response("a watch event without a type and an object");
      return failure->to_error();
    }
    WatchEventType event_type;
    if (*type_name == "ADDED") {
      event_type = WatchEventType::added;
    } else if (*type_name == "MODIFIED") {
      event_type = WatchEventType::modified;
    } else if (*type_name == "DELETED") {
      event_type = WatchEventType::deleted;
    } else if (*type_name == "BOOKMARK") {
      event_type = WatchEventType::bookmark;
    } else if (*type_name == "ERROR") {
      failure = error_from_status_object(*object);
      return failure->to_error();
    } else {
      failure = bad_response(fmt::format("a watch event of unknown type \"{}\"", *type_name));
      return failure->to_error();
    }
    std::string version = object_resource_version(*object);
    if (auto s = handler(WatchEvent{event_type, *object, version}); !s) {
      failure = s.error();
      return failure->to_error();
    }
    if (!version.empty()) last_version = std::move(version);
    return {};
  };
  auto on_data = [&](std::string_view bytes) -> asio::awaitable<Status> { co_return splitter.feed(bytes, on_line); };
  std::function<asio::awaitable<Status>(std::string_view)> on_data_fn = on_data;

  co_await impl_->throttle();
  http::ClientRequest request;
  request.target = impl_->target(path);
  impl_->authorize(request);
  // A watch is quiet for at most its timeout (bookmarks come about once a minute).
  auto idle = std::chrono::duration_cast<std::chrono::milliseconds>(options.timeout + std::chrono::seconds(60));
  auto response = co_await impl_->http->stream(std::move(request), std::move(on_data_fn), idle);
  if (failure) co_return *failure;
  if (!response) co_return transport_error(response.error());
  if (!is_success(response->status))
    co_return error_from_response(response->status, response->body, response->retry_after_seconds);
  co_return last_version;
}

}  // namespace sluice::k8s
