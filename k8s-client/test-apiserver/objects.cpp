#include "k8s-client/test-apiserver/objects.hpp"

#include <charconv>
#include <random>

#include <fmt/chrono.h>
#include <fmt/format.h>

#include "base/json/json.hpp"
#include "base/text/base64.hpp"
#include "k8s-client/test-apiserver/merge_patch.hpp"
#include "k8s-client/test-apiserver/selectors.hpp"

namespace sluice::apiserver {
namespace {

constexpr int kCasRetries = 16;

std::string new_uid() {
  static std::mt19937_64 rng(std::random_device{}());
  std::uint64_t a = rng(), b = rng();
  // A version-4 UUID.
  a = (a & 0xffffffffffff0fffULL) | 0x0000000000004000ULL;
  b = (b & 0x3fffffffffffffffULL) | 0x8000000000000000ULL;
  return fmt::format("{:08x}-{:04x}-{:04x}-{:04x}-{:012x}", a >> 32, (a >> 16) & 0xffff, a & 0xffff, b >> 48,
                     b & 0xffffffffffffULL);
}

std::string now_rfc3339() {
  return fmt::format("{:%Y-%m-%dT%H:%M:%SZ}",
                     fmt::gmtime(std::chrono::system_clock::to_time_t(std::chrono::system_clock::now())));
}

std::optional<std::int64_t> parse_rv(std::string_view text) {
  std::int64_t v = 0;
  auto [p, ec] = std::from_chars(text.data(), text.data() + text.size(), v);
  if (ec != std::errc() || p != text.data() + text.size() || text.empty() || v < 0) return std::nullopt;
  return v;
}

std::string_view string_member(const rapidjson::Value& object, std::string_view member) {
  const rapidjson::Value* v = json::find(object, member);
  return v && v->IsString() ? std::string_view(v->GetString(), v->GetStringLength()) : std::string_view{};
}

void remove_member(rapidjson::Value& object, std::string_view member) {
  if (object.IsObject())
    object.RemoveMember(rapidjson::StringRef(member.data(), static_cast<rapidjson::SizeType>(member.size())));
}

// Parses a request body into an object of the path's type, with the checks the real
// server makes on apiVersion, kind, name and namespace.
Result<rapidjson::Document> parse_object(const ResourcePath& path, std::string_view body, bool name_from_url) {
  auto doc = json::parse(body);
  if (!doc) return Error{fmt::format("the request body is not valid JSON: {}", doc.error().message), 400};
  if (!doc->IsObject()) return Error{"the request body must be a JSON object", 400};
  const ResourceType& t = *path.type;
  auto& a = doc->GetAllocator();
  std::string_view api_version = string_member(*doc, "apiVersion");
  if (!api_version.empty() && api_version != t.api_version()) {
    return Error{fmt::format("the API version in the data ({}) does not match the expected API version ({})",
                             api_version, t.api_version()),
                 400};
  }
  std::string_view kind = string_member(*doc, "kind");
  if (!kind.empty() && kind != t.kind) {
    return Error{fmt::format("the kind in the data ({}) does not match the expected kind ({})", kind, t.kind), 400};
  }
  json::set_string(*doc, "apiVersion", t.api_version(), a);
  json::set_string(*doc, "kind", t.kind, a);
  if (auto m = json::find(*doc, "metadata"); m && !m->IsObject()) {
    return Error{fmt::format("metadata: expected an object, got {}", json::type_name(*m)), 400};
  }
  rapidjson::Value& metadata = json::ensure_object(*doc, "metadata", a);
  std::string_view name = string_member(metadata, "name");
  if (name_from_url) {
    if (!name.empty() && name != path.name) {
      return Error{fmt::format("the name of the object ({}) does not match the name on the URL ({})", name, path.name),
                   400};
    }
    json::set_string(metadata, "name", path.name, a);
  }
  if (t.namespaced) {
    std::string_view ns = string_member(metadata, "namespace");
    if (!ns.empty() && ns != path.namespace_) {
      return Error{"the namespace of the provided object does not match the namespace sent on the request", 400};
    }
    json::set_string(metadata, "namespace", path.namespace_, a);
  } else {
    remove_member(metadata, "namespace");
  }
  return doc;
}

// Keeps what the server owns (uid, creationTimestamp, generation) from the stored copy,
// and for kinds with a status subresource keeps the part the request may not change.
void carry_over(const ResourcePath& path, rapidjson::Document& incoming, const rapidjson::Value& stored) {
  auto& a = incoming.GetAllocator();
  rapidjson::Value& metadata = json::ensure_object(incoming, "metadata", a);
  const rapidjson::Value* old_meta = json::find(stored, "metadata");
  for (std::string_view field : {"uid", "creationTimestamp"}) {
    if (old_meta) {
      if (auto v = json::find(*old_meta, field)) {
        remove_member(metadata, field);
        metadata.AddMember(rapidjson::Value(field.data(), static_cast<rapidjson::SizeType>(field.size()), a),
                           rapidjson::Value(*v, a), a);
      }
    }
  }
  if (!path.type->status_subresource) return;
  auto keep = [&](std::string_view member) {
    remove_member(incoming, member);
    if (auto v = json::find(stored, member)) {
      incoming.AddMember(rapidjson::Value(member.data(), static_cast<rapidjson::SizeType>(member.size()), a),
                         rapidjson::Value(*v, a), a);
    }
  };
  if (path.status) {
    keep("spec");  // a status update changes only status
  } else {
    keep("status");  // and a main-resource update never changes status
  }
}

std::string serialize_stored(rapidjson::Document& doc) {
  if (auto m = doc.FindMember("metadata"); m != doc.MemberEnd() && m->value.IsObject()) {
    m->value.RemoveMember("resourceVersion");  // etcd's revision is the version; never store it
  }
  return json::serialize(doc);
}

Reply from_error(const Error& e) {
  return status_failure(e.code ? e.code : 500, e.code == 400 ? "BadRequest" : "InternalError", e.message);
}

Reply internal(const Error& e) {
  return status_failure(500, "InternalError", e.message);
}

}  // namespace

std::string with_resource_version(std::string_view stored, std::int64_t revision) {
  auto doc = json::parse(stored);
  if (!doc || !doc->IsObject()) return std::string(stored);
  auto& metadata = json::ensure_object(*doc, "metadata", doc->GetAllocator());
  json::set_string(metadata, "resourceVersion", std::to_string(revision), doc->GetAllocator());
  return json::serialize(*doc);
}

boost::asio::awaitable<Reply> Objects::get(const ResourcePath& path) {
  std::string key = storage_key(path);
  auto kv = co_await etcd_.get(std::move(key));
  if (!kv) co_return internal(kv.error());
  if (!*kv) co_return not_found(*path.type, path.name);
  co_return Reply{200, with_resource_version((*kv)->value, (*kv)->mod_revision)};
}

boost::asio::awaitable<Reply> Objects::list(const ResourcePath& path, const ListQuery& q) {
  auto labels = LabelSelector::parse(q.label_selector);
  if (!labels) co_return bad_request(labels.error().message);
  auto fields = FieldSelector::parse(q.field_selector, path.type->kind);
  if (!fields) co_return bad_request(fields.error().message);
  if (q.limit < 0) co_return bad_request("limit must not be negative");

  std::string prefix = storage_prefix(path);
  std::string start = prefix;
  std::int64_t revision = 0;
  if (!q.continue_token.empty()) {
    // Our continue token: base64 of "<revision>/<next key>", as opaque to clients as the real one.
    auto decoded = text::base64_decode(q.continue_token);
    std::size_t slash = decoded ? decoded->find('/') : std::string::npos;
    auto rv = slash != std::string::npos ? parse_rv(std::string_view(*decoded).substr(0, slash)) : std::nullopt;
    if (!rv || decoded->compare(slash + 1, prefix.size(), prefix) != 0)
      co_return bad_request("continue key is not valid");
    revision = *rv;
    start = decoded->substr(slash + 1);
  } else if (!q.resource_version.empty() && q.resource_version != "0") {
    auto rv = parse_rv(q.resource_version);
    if (!rv) co_return bad_request(fmt::format("invalid resourceVersion: {}", q.resource_version));
    // Exact: this very revision. NotOlderThan (or unset): the current state will do.
    if (q.resource_version_match == "Exact") revision = *rv;
  }

  std::string items;
  std::int64_t returned = 0, scanned_revision = revision;
  std::string next;
  std::int64_t remaining = 0;
  bool filtering = !labels->empty() || !fields->empty();
  std::string range_end = prefix_end(prefix);
  // Read in pages from etcd until the page is full, so a selective selector still
  // returns `limit` matches when there are that many.
  while (true) {
    std::int64_t want = q.limit > 0 ? q.limit - returned + 1 : 0;  // one more tells us whether to continue
    if (filtering && want > 0) want = std::max<std::int64_t>(want, 256);
    std::string from_key = start, to_key = range_end;
    auto r = co_await etcd_.range(std::move(from_key), std::move(to_key), scanned_revision, want);
    if (!r) {
      if (r.error().code == kCompacted) {
        co_return expired(
            q.continue_token.empty()
                ? "The resourceVersion for the provided list is too old."
                : "The provided continue parameter is too old to display a consistent list result. You "
                  "can start a new list without the continue parameter, or use the continue token in "
                  "this response to retrieve the remainder of the results. Continuing with the provided "
                  "token results in an inconsistent list - objects that were created, modified, or "
                  "deleted between the time the first chunk was returned and now may show up in the list.");
      }
      co_return internal(r.error());
    }
    if (scanned_revision == 0) scanned_revision = r->revision;
    bool stopped_early = false;
    for (std::size_t i = 0; i < r->kvs.size(); ++i) {
      const auto& kv = r->kvs[i];
      if (q.limit > 0 && returned == q.limit) {
        next = kv.key;
        stopped_early = true;
        if (!filtering) remaining = r->count - static_cast<std::int64_t>(i);
        break;
      }
      auto doc = json::parse(kv.value);
      if (!doc) continue;  // not ours to serve
      if (filtering && (!labels->matches(labels_of(*doc)) || !fields->matches(*doc))) continue;
      if (!items.empty()) items += ',';
      items += with_resource_version(kv.value, kv.mod_revision);
      ++returned;
    }
    if (stopped_early || !r->more || r->kvs.empty()) break;
    start = r->kvs.back().key + '\0';
  }
  std::string metadata = fmt::format(R"("resourceVersion":"{}")", scanned_revision);
  if (!next.empty()) {
    metadata += fmt::format(R"(,"continue":"{}")", text::base64_encode(fmt::format("{}/{}", scanned_revision, next)));
    if (!filtering) metadata += fmt::format(R"(,"remainingItemCount":{})", remaining);
  }
  co_return Reply{200, fmt::format(R"({{"apiVersion":"{}","items":[{}],"kind":"{}","metadata":{{{}}}}})",
                                   path.type->api_version(), items, path.type->list_kind(), metadata)};
}

namespace {

std::string generated_name(std::string_view prefix) {
  // kube-apiserver's alphabet: no vowels (no words), no look-alike characters.
  static constexpr std::string_view kAlphabet = "bcdfghjklmnpqrstvwxz2456789";
  static std::mt19937 random{std::random_device{}()};
  std::string name(prefix.substr(0, 58));
  std::uniform_int_distribution<std::size_t> pick(0, kAlphabet.size() - 1);
  for (int i = 0; i < 5; ++i) name += kAlphabet[pick(random)];
  return name;
}

}  // namespace

boost::asio::awaitable<Reply> Objects::create(const ResourcePath& collection, std::string_view body) {
  auto doc = parse_object(collection, body, false);
  if (!doc) co_return from_error(doc.error());
  auto& a = doc->GetAllocator();
  rapidjson::Value& metadata = json::ensure_object(*doc, "metadata", a);
  std::string name(string_member(metadata, "name"));
  // generateName: the server picks a name (prefix cut to 58 characters plus 5 random
  // ones, as kube-apiserver does) and picks again if it is taken.
  std::string generate_prefix(string_member(metadata, "generateName"));
  bool generated = name.empty() && !generate_prefix.empty();
  if (generated) name = generated_name(generate_prefix);
  if (auto s = validate_name(name); !s) {
    co_return invalid(*collection.type, name, generated ? "metadata.generateName" : "metadata.name",
                      s.error().message);
  }
  if (!string_member(metadata, "resourceVersion").empty()) {
    co_return bad_request("resourceVersion should not be set on objects to be created");
  }
  json::set_string(metadata, "uid", new_uid(), a);
  json::set_string(metadata, "creationTimestamp", now_rfc3339(), a);
  remove_member(metadata, "generation");
  metadata.AddMember("generation", 1, a);
  for (int attempt = 0;; ++attempt) {
    json::set_string(metadata, "name", name, a);
    ResourcePath path = collection;
    path.name = name;
    std::string key = storage_key(path), value = serialize_stored(*doc);
    auto r = co_await etcd_.create(std::move(key), std::move(value));
    if (!r) co_return internal(r.error());
    if (r->succeeded) co_return Reply{201, with_resource_version(json::serialize(*doc), r->revision)};
    if (!generated || attempt >= 8) co_return already_exists(*path.type, name);
    name = generated_name(generate_prefix);
  }
}

boost::asio::awaitable<Reply> Objects::update(const ResourcePath& path, std::string_view body) {
  auto doc = parse_object(path, body, true);
  if (!doc) co_return from_error(doc.error());
  const rapidjson::Value& metadata = (*doc)["metadata"];
  std::string_view rv_text = string_member(metadata, "resourceVersion");
  std::optional<std::int64_t> expected;
  if (!rv_text.empty()) {
    expected = parse_rv(rv_text);
    if (!expected) co_return bad_request(fmt::format("invalid resourceVersion: {}", rv_text));
  } else if (!path.type->group.empty() && path.type->group != "networking.k8s.io" &&
             path.type->group != "coordination.k8s.io") {
    // Custom resources refuse unconditional updates (reference/kube-api.md).
    co_return invalid(*path.type, path.name, "metadata.resourceVersion",
                      "Invalid value: 0x0: must be specified for an update");
  }
  for (int attempt = 0; attempt < kCasRetries; ++attempt) {
    std::string key = storage_key(path);
    auto current = co_await etcd_.get(std::move(key));
    if (!current) co_return internal(current.error());
    if (!*current) co_return not_found(*path.type, path.name);
    std::int64_t compare = expected.value_or((*current)->mod_revision);
    if (expected && *expected != (*current)->mod_revision) co_return conflict(*path.type, path.name);
    auto stored = json::parse((*current)->value);
    if (!stored) co_return internal(stored.error());
    rapidjson::Document next;
    next.CopyFrom(*doc, next.GetAllocator());
    carry_over(path, next, *stored);
    std::string update_key = storage_key(path), value = serialize_stored(next);
    auto r = co_await etcd_.update(std::move(update_key), std::move(value), compare);
    if (!r) co_return internal(r.error());
    if (r->succeeded) co_return Reply{200, with_resource_version(json::serialize(next), r->revision)};
    if (!r->current) co_return not_found(*path.type, path.name);
    if (expected) co_return conflict(*path.type, path.name);
  }
  co_return conflict(*path.type, path.name);
}

boost::asio::awaitable<Reply> Objects::merge_patch(const ResourcePath& path, std::string_view body) {
  auto patch = json::parse(body);
  if (!patch) co_return bad_request(fmt::format("the patch is not valid JSON: {}", patch.error().message));
  if (!patch->IsObject()) co_return bad_request("a merge patch must be a JSON object");
  std::optional<std::int64_t> expected;
  if (auto m = json::find(*patch, "metadata")) {
    if (std::string_view rv = string_member(*m, "resourceVersion"); !rv.empty()) {
      expected = parse_rv(rv);
      if (!expected) co_return bad_request(fmt::format("invalid resourceVersion: {}", rv));
    }
  }
  for (int attempt = 0; attempt < kCasRetries; ++attempt) {
    std::string key = storage_key(path);
    auto current = co_await etcd_.get(std::move(key));
    if (!current) co_return internal(current.error());
    if (!*current) co_return not_found(*path.type, path.name);
    if (expected && *expected != (*current)->mod_revision) co_return conflict(*path.type, path.name);
    auto stored = json::parse((*current)->value);
    if (!stored) co_return internal(stored.error());
    rapidjson::Document next;
    next.CopyFrom(*stored, next.GetAllocator());
    apply_merge_patch(next, *patch, next.GetAllocator());
    auto checked = parse_object(path, json::serialize(next), true);
    if (!checked) co_return from_error(checked.error());
    carry_over(path, *checked, *stored);
    std::string update_key = storage_key(path), value = serialize_stored(*checked);
    auto r = co_await etcd_.update(std::move(update_key), std::move(value), (*current)->mod_revision);
    if (!r) co_return internal(r.error());
    if (r->succeeded) co_return Reply{200, with_resource_version(json::serialize(*checked), r->revision)};
    if (!r->current) co_return not_found(*path.type, path.name);
  }
  co_return conflict(*path.type, path.name);
}

boost::asio::awaitable<Reply> Objects::remove(const ResourcePath& path, std::string_view body) {
  std::optional<std::int64_t> expected_rv;
  std::string expected_uid;
  if (!body.empty()) {
    auto options = json::parse(body);
    if (!options || !options->IsObject()) co_return bad_request("the DeleteOptions body is not a JSON object");
    if (auto pre = json::find(*options, "preconditions"); pre && pre->IsObject()) {
      if (std::string_view rv = string_member(*pre, "resourceVersion"); !rv.empty()) {
        expected_rv = parse_rv(rv);
        if (!expected_rv) co_return bad_request(fmt::format("invalid resourceVersion precondition: {}", rv));
      }
      expected_uid = std::string(string_member(*pre, "uid"));
    }
  }
  for (int attempt = 0; attempt < kCasRetries; ++attempt) {
    std::string key = storage_key(path);
    auto current = co_await etcd_.get(std::move(key));
    if (!current) co_return internal(current.error());
    if (!*current) co_return not_found(*path.type, path.name);
    auto stored = json::parse((*current)->value);
    std::string uid;
    if (stored) {
      if (auto m = json::find(*stored, "metadata")) uid = std::string(string_member(*m, "uid"));
    }
    if (!expected_uid.empty() && expected_uid != uid) {
      co_return status_failure(409, "Conflict",
                               fmt::format("Operation cannot be fulfilled on {} \"{}\": Precondition failed: UID in "
                                           "precondition: {}, UID in object meta: {}",
                                           path.type->qualified(), path.name, expected_uid, uid),
                               path.type, path.name);
    }
    if (expected_rv && *expected_rv != (*current)->mod_revision) {
      co_return status_failure(409, "Conflict",
                               fmt::format("Operation cannot be fulfilled on {} \"{}\": the ResourceVersion in the "
                                           "precondition ({}) does not match the ResourceVersion in record ({}). The "
                                           "object might have been modified",
                                           path.type->qualified(), path.name, *expected_rv, (*current)->mod_revision),
                               path.type, path.name);
    }
    std::string remove_key = storage_key(path);
    auto r = co_await etcd_.remove(std::move(remove_key), (*current)->mod_revision);
    if (!r) co_return internal(r.error());
    if (r->succeeded) co_return delete_success(*path.type, path.name, uid);
    if (!r->current) co_return not_found(*path.type, path.name);
  }
  co_return conflict(*path.type, path.name);
}

}  // namespace sluice::apiserver
