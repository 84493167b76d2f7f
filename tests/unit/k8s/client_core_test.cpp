// The client's socket-free parts: Status → typed error, request paths, and the
// informer cache's add/update/delete/relist/resync logic.
#include <doctest/doctest.h>

#include <set>

#include <fmt/format.h>

#include "base/json/json.hpp"
#include "k8s-client/client/api_error.hpp"
#include "k8s-client/client/informer.hpp"
#include "k8s-client/client/resource_type.hpp"

using namespace sluice;
using namespace sluice::k8s;

TEST_CASE("Status bodies become typed errors") {
  auto conflict = error_from_response(
      409,
      R"({"kind":"Status","apiVersion":"v1","metadata":{},"status":"Failure","message":"Operation cannot be fulfilled on ipamblocks.crd.projectcalico.org \"b\": the object has been modified; please apply your changes to the latest version and try again","reason":"Conflict","details":{"name":"b","group":"crd.projectcalico.org","kind":"ipamblocks"},"code":409})",
      std::nullopt);
  CHECK(conflict.kind == ApiErrorKind::conflict);
  CHECK(conflict.reason == "Conflict");
  CHECK(conflict.message.find("the object has been modified") != std::string::npos);

  auto exists = error_from_response(
      409, R"({"kind":"Status","status":"Failure","message":"x","reason":"AlreadyExists","code":409})", std::nullopt);
  CHECK(exists.kind == ApiErrorKind::already_exists);

  auto throttled = error_from_response(
      429,
      R"({"kind":"Status","status":"Failure","message":"slow","reason":"TooManyRequests","details":{"retryAfterSeconds":3},"code":429})",
      std::nullopt);
  CHECK(throttled.kind == ApiErrorKind::too_many_requests);
  CHECK(throttled.retry_after == std::chrono::seconds(3));
  CHECK(throttled.describe() == "429 TooManyRequests: slow (retry after 3s)");
  // The header wins over the body.
  auto header = error_from_response(429, "{}", 7);
  CHECK(header.retry_after == std::chrono::seconds(7));

  auto timeout = error_from_response(
      504, R"({"kind":"Status","status":"Failure","message":"Timeout: request did not complete","reason":"Timeout","details":{"retryAfterSeconds":2},"code":504})",
      std::nullopt);
  CHECK(timeout.kind == ApiErrorKind::timeout);
  CHECK(timeout.retry_after == std::chrono::seconds(2));

  auto expired = error_from_response(
      410, R"({"kind":"Status","status":"Failure","message":"The provided continue parameter is too old","reason":"Expired","code":410})",
      std::nullopt);
  CHECK(expired.kind == ApiErrorKind::expired);

  auto invalid = error_from_response(422, R"({"kind":"Status","reason":"Invalid","message":"m","code":422})", std::nullopt);
  CHECK(invalid.kind == ApiErrorKind::invalid);
  CHECK(error_from_response(403, R"({"kind":"Status","reason":"Forbidden","code":403})", std::nullopt).kind ==
        ApiErrorKind::forbidden);
}

TEST_CASE("answers that are not a Status still give a precise error") {
  auto proxy = error_from_response(502, "<html>Bad Gateway</html>", std::nullopt);
  CHECK(proxy.kind == ApiErrorKind::other);
  CHECK(proxy.describe() == "502: the server said: <html>Bad Gateway</html>");
  auto empty = error_from_response(401, "", std::nullopt);
  CHECK(empty.kind == ApiErrorKind::unauthorized);
  CHECK(empty.describe() == "401 Unauthorized: the server sent no Status");
  auto long_body = error_from_response(500, std::string(5000, 'x'), std::nullopt);
  CHECK(long_body.message.size() < 250);
}

TEST_CASE("watch ERROR events carry their Status") {
  auto e = error_from_status_object(
      R"j({"kind":"Status","apiVersion":"v1","metadata":{},"status":"Failure","message":"too old resource version: 5 (9)","reason":"Expired","code":410})j");
  CHECK(e.kind == ApiErrorKind::expired);
  CHECK(e.http_status == 410);
  CHECK(e.describe() == "410 Expired: too old resource version: 5 (9)");
  CHECK(error_from_status_object(R"({"kind":"Pod"})").kind == ApiErrorKind::bad_response);
  CHECK(error_from_status_object("[").kind == ApiErrorKind::bad_response);
}

TEST_CASE("request paths for core and group resources, namespaced and cluster-scoped") {
  ResourceType pods{"", "v1", "pods", true};
  ResourceType blocks{"crd.projectcalico.org", "v1", "ipamblocks", false};
  CHECK(pods.path("kube-system") == "/api/v1/namespaces/kube-system/pods");
  CHECK(pods.path("") == "/api/v1/pods");
  CHECK(pods.path("default", "p", "status") == "/api/v1/namespaces/default/pods/p/status");
  CHECK(blocks.path("ignored", "10-0-0-0-26") == "/apis/crd.projectcalico.org/v1/ipamblocks/10-0-0-0-26");
  CHECK(blocks.api_version() == "crd.projectcalico.org/v1");
  CHECK(query_escape("app in (a, b),!x") == "app%20in%20%28a%2C%20b%29%2C%21x");
  CHECK(query_escape("metadata.name=n-1_~") == "metadata.name%3Dn-1_~");
}

namespace {

struct Thing {
  std::string key;
  int value;
};

Result<Thing> decode_thing(const rapidjson::Value& v) {
  auto value = json::get_int64(v, "value", "");
  if (!value) return value.error();
  return Thing{object_key(v), static_cast<int>(*value)};
}

rapidjson::Document object(std::string_view ns, std::string_view name, int rv, std::string_view value = "1") {
  std::string text = ns.empty() ? fmt::format(R"({{"metadata":{{"name":"{}","resourceVersion":"{}"}},"value":{}}})",
                                              name, rv, value)
                                : fmt::format(R"({{"metadata":{{"name":"{}","namespace":"{}","resourceVersion":"{}"}},"value":{}}})",
                                              name, ns, rv, value);
  return json::parse(text).value();
}

ListResult list_of(std::initializer_list<std::string> items_json) {
  std::string text = R"({"metadata":{"resourceVersion":"100"},"items":[)";
  bool first = true;
  for (const auto& item : items_json) {
    if (!first) text += ",";
    text += item;
    first = false;
  }
  text += "]}";
  ListResult list;
  ListPage page;
  page.document = json::parse(text).value();
  page.resource_version = "100";
  list.pages.push_back(std::move(page));
  list.resource_version = "100";
  return list;
}

struct Recorder {
  std::vector<std::string> log;
  InformerCache<Thing>::Handlers handlers() {
    return {[this](const auto& t) { log.push_back("add " + t->key + "=" + std::to_string(t->value)); },
            [this](const auto& a, const auto& b) {
              log.push_back("update " + a->key + " " + std::to_string(a->value) + "->" + std::to_string(b->value));
            },
            [this](const auto& t) { log.push_back("delete " + t->key); }};
  }
};

}  // namespace

TEST_CASE("informer cache: list, events, relist diff and resync") {
  InformerCache<Thing> cache(decode_thing);
  Recorder r;
  cache.add_handlers(r.handlers());
  CHECK_FALSE(cache.has_synced());
  cache.replace(list_of({R"({"metadata":{"name":"a","namespace":"n","resourceVersion":"1"},"value":1})",
                         R"({"metadata":{"name":"b","resourceVersion":"2"},"value":2})"}));
  CHECK(cache.has_synced());
  CHECK(r.log == std::vector<std::string>{"add n/a=1", "add b=2"});
  r.log.clear();

  auto a2 = object("n", "a", 5, "10");
  cache.apply(WatchEvent{WatchEventType::modified, a2, "5"});
  auto c = object("", "c", 6, "3");
  cache.apply(WatchEvent{WatchEventType::added, c, "6"});
  auto b_gone = object("", "b", 7, "2");
  cache.apply(WatchEvent{WatchEventType::deleted, b_gone, "7"});
  cache.apply(WatchEvent{WatchEventType::deleted, b_gone, "7"});  // twice: nothing more
  CHECK(r.log == std::vector<std::string>{"update n/a 1->10", "add c=3", "delete b"});
  CHECK(cache.size() == 2);
  CHECK(cache.get("n/a")->value == 10);
  r.log.clear();

  // A relist after missed events: unchanged versions stay silent, changed ones update,
  // new ones add, and what vanished is deleted.
  cache.replace(list_of({R"({"metadata":{"name":"a","namespace":"n","resourceVersion":"5"},"value":10})",
                         R"({"metadata":{"name":"c","resourceVersion":"9"},"value":30})",
                         R"({"metadata":{"name":"d","resourceVersion":"8"},"value":4})"}));
  std::multiset<std::string> got(r.log.begin(), r.log.end());
  CHECK(got == std::multiset<std::string>{"update c 3->30", "add d=4"});
  r.log.clear();
  cache.replace(list_of({R"({"metadata":{"name":"d","resourceVersion":"8"},"value":4})"}));
  got = std::multiset<std::string>(r.log.begin(), r.log.end());
  CHECK(got == std::multiset<std::string>{"delete n/a", "delete c"});
  r.log.clear();

  cache.resync();
  CHECK(r.log == std::vector<std::string>{"update d 4->4"});
}

TEST_CASE("informer cache skips objects that do not decode and counts them") {
  InformerCache<Thing> cache(decode_thing);
  Recorder r;
  cache.add_handlers(r.handlers());
  cache.replace(list_of({R"({"metadata":{"name":"ok","resourceVersion":"1"},"value":1})",
                         R"({"metadata":{"name":"bad","resourceVersion":"2"},"value":"x"})",
                         R"({"metadata":{},"value":1})"}));
  CHECK(cache.size() == 1);
  CHECK(cache.undecodable() == 1);
  CHECK(r.log == std::vector<std::string>{"add ok=1"});
  // A later version that decodes replaces nothing and is added.
  auto fixed = object("", "bad", 3, "5");
  cache.apply(WatchEvent{WatchEventType::modified, fixed, "3"});
  CHECK(cache.get("bad")->value == 5);
}
