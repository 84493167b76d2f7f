#include "k8s-client/test-apiserver/etcd.hpp"

#include <fmt/format.h>

#include "base/json/json.hpp"
#include "base/text/base64.hpp"
#include "base/text/line_splitter.hpp"

namespace sluice::apiserver {
namespace {

using namespace std::chrono_literals;
constexpr auto kTimeout = 15s;

std::string b64(std::string_view s) {
  return text::base64_encode(s);
}

Result<KeyValue> decode_kv(const rapidjson::Value& v) {
  KeyValue kv;
  auto key = json::get_string(v, "key", "kv");
  if (!key) return key.error();
  auto decoded_key = text::base64_decode(*key);
  if (!decoded_key) return decoded_key.error().context("kv.key");
  kv.key = std::move(*decoded_key);
  if (json::find(v, "value")) {
    auto value = json::get_string(v, "value", "kv");
    if (!value) return value.error();
    auto decoded = text::base64_decode(*value);
    if (!decoded) return decoded.error().context("kv.value");
    kv.value = std::move(*decoded);
  }
  // proto3 JSON leaves out zero values.
  for (auto [member, target] :
       {std::pair{"create_revision", &kv.create_revision}, std::pair{"mod_revision", &kv.mod_revision}}) {
    if (!json::find(v, member)) continue;
    auto n = json::get_int64(v, member, "kv");
    if (!n) return n.error();
    *target = *n;
  }
  return kv;
}

Result<std::int64_t> header_revision(const rapidjson::Value& doc) {
  auto header = json::get_object(doc, "header", "");
  if (!header) return header.error();
  return json::get_int64(**header, "revision", "header");
}

Error etcd_error(const rapidjson::Document& doc, std::string_view what) {
  int code = 0;
  if (auto c = json::find(doc, "code"); c && c->IsInt()) code = c->GetInt();
  std::string message = "unknown error";
  if (auto m = json::find(doc, "message"); m && m->IsString()) message = m->GetString();
  return Error{fmt::format("etcd {}: {}", what, message), code};
}

}  // namespace

std::string prefix_end(std::string_view prefix) {
  std::string end(prefix);
  while (!end.empty()) {
    auto last = static_cast<unsigned char>(end.back());
    if (last < 0xff) {
      end.back() = static_cast<char>(last + 1);
      return end;
    }
    end.pop_back();
  }
  return std::string(1, '\0');  // the whole keyspace
}

Etcd::Etcd(boost::asio::any_io_executor executor, ip::Endpoint endpoint) : http_(std::move(executor), endpoint) {}

boost::asio::awaitable<Result<std::string>> Etcd::call(std::string path, std::string body) {
  // Named, never a temporary in the co_await expression: g++ 12 frees such temporaries
  // twice (see docs/decisions.md).
  http::ClientRequest request{"POST", std::move(path), std::move(body), "application/json", {}};
  auto response = co_await http_.request(std::move(request), kTimeout);
  if (!response) co_return response.error().context("etcd");
  if (response->status != 200) {
    auto doc = json::parse(response->body);
    if (doc) co_return etcd_error(*doc, fmt::format("answered {}", response->status));
    co_return Error{fmt::format("etcd answered {}: {}", response->status, response->body)};
  }
  co_return std::move(response->body);
}

boost::asio::awaitable<Result<RangeResult>> Etcd::range(std::string key, std::string range_end, std::int64_t revision,
                                                        std::int64_t limit) {
  std::string body = fmt::format(R"({{"key":"{}","range_end":"{}","revision":"{}","limit":"{}"}})", b64(key),
                                 b64(range_end), revision, limit);
  std::string path = "/v3/kv/range";
  auto text = co_await call(std::move(path), std::move(body));
  if (!text) co_return text.error();
  auto doc = json::parse(*text);
  if (!doc) co_return doc.error().context("etcd range answer");
  if (json::find(*doc, "error")) co_return etcd_error(*doc, "range");
  RangeResult out;
  auto rev = header_revision(*doc);
  if (!rev) co_return rev.error();
  out.revision = *rev;
  if (auto kvs = json::find(*doc, "kvs"); kvs && kvs->IsArray()) {
    out.kvs.reserve(kvs->Size());
    for (const auto& v : kvs->GetArray()) {
      auto kv = decode_kv(v);
      if (!kv) co_return kv.error();
      out.kvs.push_back(std::move(*kv));
    }
  }
  if (auto more = json::find(*doc, "more"); more && more->IsBool()) out.more = more->GetBool();
  if (json::find(*doc, "count")) {
    auto count = json::get_int64(*doc, "count", "");
    if (!count) co_return count.error();
    out.count = *count;
  }
  co_return out;
}

boost::asio::awaitable<Result<std::optional<KeyValue>>> Etcd::get(std::string key) {
  std::string no_end;
  auto r = co_await range(std::move(key), std::move(no_end), 0, 0);
  if (!r) co_return r.error();
  if (r->kvs.empty()) co_return std::optional<KeyValue>{};
  co_return std::optional<KeyValue>{std::move(r->kvs.front())};
}

boost::asio::awaitable<Result<TxnResult>> Etcd::txn(std::string compare, std::string success, std::string key) {
  std::string body = fmt::format(R"({{"compare":[{}],"success":[{}],"failure":[{{"request_range":{{"key":"{}"}}}}]}})",
                                 compare, success, b64(key));
  std::string path = "/v3/kv/txn";
  auto text = co_await call(std::move(path), std::move(body));
  if (!text) co_return text.error();
  auto doc = json::parse(*text);
  if (!doc) co_return doc.error().context("etcd txn answer");
  if (json::find(*doc, "error")) co_return etcd_error(*doc, "txn");
  TxnResult out;
  auto rev = header_revision(*doc);
  if (!rev) co_return rev.error();
  out.revision = *rev;
  if (auto s = json::find(*doc, "succeeded"); s && s->IsBool()) out.succeeded = s->GetBool();
  if (auto responses = json::find(*doc, "responses"); responses && responses->IsArray()) {
    for (const auto& r : responses->GetArray()) {
      const rapidjson::Value* list = nullptr;
      if (auto range = json::find(r, "response_range")) list = json::find(*range, "kvs");
      if (auto del = json::find(r, "response_delete_range")) list = json::find(*del, "prev_kvs");
      if (!list || !list->IsArray() || list->Empty()) continue;
      auto kv = decode_kv((*list)[0]);
      if (!kv) co_return kv.error();
      (out.succeeded ? out.previous : out.current) = std::move(*kv);
    }
  }
  co_return out;
}

boost::asio::awaitable<Result<TxnResult>> Etcd::create(std::string key, std::string value) {
  std::string compare =
      fmt::format(R"({{"key":"{}","target":"CREATE","result":"EQUAL","create_revision":"0"}})", b64(key));
  std::string success = fmt::format(R"({{"request_put":{{"key":"{}","value":"{}"}}}})", b64(key), b64(value));
  co_return co_await txn(std::move(compare), std::move(success), std::move(key));
}

boost::asio::awaitable<Result<TxnResult>> Etcd::update(std::string key, std::string value, std::int64_t expected) {
  std::string compare =
      fmt::format(R"({{"key":"{}","target":"MOD","result":"EQUAL","mod_revision":"{}"}})", b64(key), expected);
  std::string success = fmt::format(R"({{"request_put":{{"key":"{}","value":"{}"}}}})", b64(key), b64(value));
  co_return co_await txn(std::move(compare), std::move(success), std::move(key));
}

boost::asio::awaitable<Result<TxnResult>> Etcd::remove(std::string key, std::int64_t expected) {
  // With no expectation, the key must merely exist (create_revision > 0).
  std::string compare =
      expected > 0
          ? fmt::format(R"({{"key":"{}","target":"MOD","result":"EQUAL","mod_revision":"{}"}})", b64(key), expected)
          : fmt::format(R"({{"key":"{}","target":"CREATE","result":"GREATER","create_revision":"0"}})", b64(key));
  std::string success = fmt::format(R"({{"request_delete_range":{{"key":"{}","prev_kv":true}}}})", b64(key));
  co_return co_await txn(std::move(compare), std::move(success), std::move(key));
}

boost::asio::awaitable<Status> Etcd::compact(std::int64_t revision) {
  std::string path = "/v3/kv/compaction";
  std::string body = fmt::format(R"({{"revision":"{}","physical":true}})", revision);
  auto text = co_await call(std::move(path), std::move(body));
  if (!text) co_return text.error();
  co_return Status{};
}

boost::asio::awaitable<Status> Etcd::watch(
    std::string key, std::string range_end, std::int64_t start_revision,
    std::function<boost::asio::awaitable<Status>(std::vector<WatchEvent>, std::int64_t)> on_events,
    std::chrono::milliseconds idle_timeout) {
  // progress_notify makes etcd report the revision now and then even when idle.
  std::string body = fmt::format(
      R"({{"create_request":{{"key":"{}","range_end":"{}","start_revision":"{}","prev_kv":true,"progress_notify":true}}}})",
      b64(key), b64(range_end), start_revision);
  text::LineSplitter lines;
  // Decodes one line; the caller passes the events on (asynchronously).
  auto decode_line = [&](std::string_view line, std::vector<WatchEvent>& events, std::int64_t& revision) -> Status {
    auto doc = json::parse(line);
    if (!doc) return doc.error().context("etcd watch event");
    if (json::find(*doc, "error")) return etcd_error(*doc, "watch");
    auto result = json::get_object(*doc, "result", "");
    if (!result) return result.error();
    const rapidjson::Value& r = **result;
    if (auto c = json::find(r, "canceled"); c && c->IsBool() && c->GetBool()) {
      std::int64_t compacted = 0;
      if (json::find(r, "compact_revision")) {
        if (auto n = json::get_int64(r, "compact_revision", "result"); n) compacted = *n;
      }
      if (compacted > 0) {
        last_compact_revision_ = compacted;
        return Error{fmt::format("etcd watch from revision {}: compacted up to {}", start_revision, compacted),
                     kCompacted};
      }
      return Error{"etcd canceled the watch"};
    }
    auto rev = header_revision(r);
    revision = rev ? *rev : 0;
    if (auto list = json::find(r, "events"); list && list->IsArray()) {
      for (const auto& e : list->GetArray()) {
        WatchEvent event;
        if (auto t = json::find(e, "type"); t && t->IsString())
          event.deleted = std::string_view(t->GetString()) == "DELETE";
        auto kv = json::get_object(e, "kv", "event");
        if (!kv) return kv.error();
        auto decoded = decode_kv(**kv);
        if (!decoded) return decoded.error();
        event.kv = std::move(*decoded);
        if (auto prev = json::find(e, "prev_kv"); prev && prev->IsObject()) {
          auto p = decode_kv(*prev);
          if (!p) return p.error();
          event.previous = std::move(*p);
        }
        events.push_back(std::move(event));
      }
    }
    return {};
  };
  auto on_data = [&](std::string_view bytes) -> boost::asio::awaitable<Status> {
    std::vector<std::string> complete;
    auto split = lines.feed(bytes, [&](std::string_view line) -> Status {
      if (!line.empty()) complete.emplace_back(line);
      return {};
    });
    if (!split) co_return split;
    for (const auto& line : complete) {
      std::vector<WatchEvent> events;
      std::int64_t revision = 0;
      if (auto s = decode_line(line, events, revision); !s) co_return s;
      if (auto s = co_await on_events(std::move(events), revision); !s) co_return s;
    }
    co_return Status{};
  };
  http::ClientRequest request{"POST", "/v3/watch", std::move(body), "application/json", {}};
  std::function<boost::asio::awaitable<Status>(std::string_view)> on_data_fn = on_data;
  auto response = co_await http_.stream(std::move(request), std::move(on_data_fn), idle_timeout);
  if (!response) co_return response.error();
  if (response->status != 200)
    co_return Error{fmt::format("etcd watch answered {}: {}", response->status, response->body)};
  co_return Status{};
}

}  // namespace sluice::apiserver
