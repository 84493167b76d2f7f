#include "k8s-client/config/kubeconfig.hpp"

#include <algorithm>
#include <array>
#include <exception>
#include <set>
#include <sstream>
#include <system_error>

#include <fmt/format.h>
#include <yaml-cpp/depthguard.h>
#include <yaml-cpp/eventhandler.h>
#include <yaml-cpp/yaml.h>

#include "base/text/base64.hpp"
#include "k8s-client/config/token_source.hpp"

namespace sluice::k8s {
namespace {

// ---- Reading YAML nodes with field-path errors --------------------------------------

std::string join(std::string_view path, std::string_view key) {
  return path.empty() ? std::string(key) : fmt::format("{}.{}", path, key);
}

std::string_view type_name(const YAML::Node& node) {
  switch (node.Type()) {
    case YAML::NodeType::Map: return "a map";
    case YAML::NodeType::Sequence: return "a list";
    case YAML::NodeType::Scalar: return "a string";
    case YAML::NodeType::Null: return "null";
    case YAML::NodeType::Undefined: break;
  }
  return "nothing";
}

Error type_error(std::string_view path, std::string_view expected, const YAML::Node& node) {
  return Error{fmt::format("{}: expected {}, got {}", path, expected, type_name(node))};
}

// Null (a key with no value) reads as the empty string, which means "not set".
Result<std::string> read_string(const YAML::Node& node, std::string_view path) {
  if (node.IsNull()) return std::string();
  if (!node.IsScalar()) return type_error(path, "a string", node);
  return node.Scalar();
}

// YAML 1.1 booleans, as kubectl's YAML library reads them.
Result<bool> read_bool(const YAML::Node& node, std::string_view path) {
  if (node.IsNull()) return false;
  if (!node.IsScalar()) return type_error(path, "true or false", node);
  std::string value = node.Scalar();
  std::transform(value.begin(), value.end(), value.begin(),
                 [](char c) { return c >= 'A' && c <= 'Z' ? static_cast<char>(c - 'A' + 'a') : c; });
  if (value == "true" || value == "yes" || value == "on" || value == "y") return true;
  if (value == "false" || value == "no" || value == "off" || value == "n") return false;
  return Error{fmt::format("{}: expected true or false, got \"{}\"", path, node.Scalar())};
}

// Line breaks are dropped first (a `|` block keeps them; Go's decoder skips them too).
Result<std::string> read_base64(const YAML::Node& node, std::string_view path) {
  auto text = read_string(node, path);
  if (!text) return text;
  std::erase_if(*text, [](char c) { return c == '\n' || c == '\r'; });
  auto decoded = text::base64_decode(*text);
  if (!decoded) return Error{fmt::format("{}: invalid base64: {}", path, decoded.error().message)};
  return decoded;
}

// One known key of a map: exactly one of the members says how to read it.
template <class T>
struct Field {
  std::string_view key;
  std::string T::*text = nullptr;  // a string, stored as is or, with base64, decoded
  bool base64 = false;
  bool T::*flag = nullptr;  // a boolean
  // A feature Sluice does not implement: recorded when set, refused only if the
  // selected context uses it (a kubeconfig often holds other users with exec plugins).
  std::vector<std::string> T::*unsupported = nullptr;
  Status (*custom)(const YAML::Node& value, std::string_view path, T& into) = nullptr;
};

template <class T>
Status read_field(const Field<T>& field, const YAML::Node& value, std::string_view path, T& into) {
  if (field.custom) return field.custom(value, path, into);
  if (field.flag) {
    auto b = read_bool(value, path);
    if (!b) return b.error();
    into.*field.flag = *b;
    return {};
  }
  if (field.unsupported) {
    bool set = value.IsScalar() ? !value.Scalar().empty() : (value.IsMap() || value.IsSequence()) && value.size() > 0;
    if (set) (into.*field.unsupported).emplace_back(field.key);
    return {};
  }
  auto s = field.base64 ? read_base64(value, path) : read_string(value, path);
  if (!s) return s.error();
  into.*field.text = std::move(*s);
  return {};
}

// Reads the map at `path` through a table of known keys; unknown keys are ignored (as
// kubectl does) but a key given twice is refused, since either choice could be wrong.
template <class T, std::size_t N>
Status read_fields(const YAML::Node& map, std::string_view path, const std::array<Field<T>, N>& fields, T& into) {
  if (map.IsNull()) return {};
  if (!map.IsMap()) return type_error(path.empty() ? std::string_view("the top level") : path, "a map", map);
  std::set<std::string, std::less<>> seen;
  // yaml-cpp iterators yield temporaries: range-for keeps each alive, `it->first` would dangle.
  for (const auto& entry : map) {
    const YAML::Node& key_node = entry.first;
    if (!key_node.IsScalar()) {
      return Error{fmt::format("{}: a key is {}; keys must be strings", path.empty() ? "the top level" : path,
                               type_name(key_node))};
    }
    const std::string& key = key_node.Scalar();
    std::string field_path = join(path, key);
    if (!seen.insert(key).second) return Error{fmt::format("{}: given more than once", field_path)};
    for (const auto& field : fields) {
      if (field.key != key) continue;
      if (auto read = read_field(field, entry.second, field_path, into); !read) return read;
      break;
    }
  }
  return {};
}

template <class T, std::size_t N>
Status read_list(const YAML::Node& list, std::string_view path, const std::array<Field<T>, N>& entry_fields,
                 std::vector<T>& into) {
  if (list.IsNull()) return {};
  if (!list.IsSequence()) return type_error(path, "a list", list);
  std::size_t index = 0;
  for (const auto& item : list) {
    T entry;
    entry.path = fmt::format("{}[{}]", path, index++);
    if (auto read = read_fields(item, entry.path, entry_fields, entry); !read) return read;
    into.push_back(std::move(entry));
  }
  return {};
}

// Entries are looked up by name, so an empty or repeated one would make a lookup
// ambiguous.
template <class T>
Status check_names(const std::vector<T>& entries) {
  for (std::size_t i = 0; i < entries.size(); ++i) {
    if (entries[i].name.empty()) return Error{fmt::format("{}.name: missing", entries[i].path)};
    for (std::size_t j = 0; j < i; ++j) {
      if (entries[j].name == entries[i].name) {
        return Error{fmt::format("{}.name: \"{}\" is already the name of {}", entries[i].path, entries[i].name,
                                 entries[j].path)};
      }
    }
  }
  return {};
}

// ---- The kubeconfig schema: one table per entry kind --------------------------------

using C = KubeconfigCluster;
const std::array<Field<C>, 6> kClusterFields{{
    {.key = "server", .text = &C::server},
    {.key = "certificate-authority", .text = &C::certificate_authority},
    {.key = "certificate-authority-data", .text = &C::certificate_authority_data, .base64 = true},
    {.key = "tls-server-name", .text = &C::tls_server_name},
    {.key = "insecure-skip-tls-verify", .flag = &C::insecure_skip_tls_verify},
    {.key = "proxy-url", .unsupported = &C::unsupported},
    // disable-compression is ignored: Sluice never asks for compressed responses.
}};

using U = KubeconfigUser;
const std::array<Field<U>, 14> kUserFields{{
    {.key = "client-certificate", .text = &U::client_certificate},
    {.key = "client-certificate-data", .text = &U::client_certificate_data, .base64 = true},
    {.key = "client-key", .text = &U::client_key},
    {.key = "client-key-data", .text = &U::client_key_data, .base64 = true},
    {.key = "token", .text = &U::token},
    {.key = "tokenFile", .text = &U::token_file},
    {.key = "username", .text = &U::username},
    {.key = "password", .text = &U::password},
    {.key = "exec", .unsupported = &U::unsupported},
    {.key = "auth-provider", .unsupported = &U::unsupported},
    {.key = "as", .unsupported = &U::unsupported},
    {.key = "as-uid", .unsupported = &U::unsupported},
    {.key = "as-groups", .unsupported = &U::unsupported},
    {.key = "as-user-extra", .unsupported = &U::unsupported},
}};

using X = KubeconfigContext;
const std::array<Field<X>, 3> kContextFields{{
    {.key = "cluster", .text = &X::cluster},
    {.key = "user", .text = &X::user},
    {.key = "namespace", .text = &X::namespace_name},
}};

// A named entry is {name: ..., <kind>: {fields}}.
Status read_cluster_body(const YAML::Node& value, std::string_view path, C& into) {
  return read_fields(value, path, kClusterFields, into);
}
Status read_user_body(const YAML::Node& value, std::string_view path, U& into) {
  return read_fields(value, path, kUserFields, into);
}
Status read_context_body(const YAML::Node& value, std::string_view path, X& into) {
  return read_fields(value, path, kContextFields, into);
}
const std::array<Field<C>, 2> kClusterEntry{
    {{.key = "name", .text = &C::name}, {.key = "cluster", .custom = read_cluster_body}}};
const std::array<Field<U>, 2> kUserEntry{
    {{.key = "name", .text = &U::name}, {.key = "user", .custom = read_user_body}}};
const std::array<Field<X>, 2> kContextEntry{
    {{.key = "name", .text = &X::name}, {.key = "context", .custom = read_context_body}}};

Status check_api_version(const YAML::Node& value, std::string_view path, Kubeconfig&) {
  auto s = read_string(value, path);
  if (!s) return s.error();
  if (!s->empty() && *s != "v1") return Error{fmt::format("{}: \"{}\" is not supported (expected v1)", path, *s)};
  return {};
}
Status check_kind(const YAML::Node& value, std::string_view path, Kubeconfig&) {
  auto s = read_string(value, path);
  if (!s) return s.error();
  if (!s->empty() && *s != "Config") return Error{fmt::format("{}: expected Config, got \"{}\"", path, *s)};
  return {};
}
Status read_clusters(const YAML::Node& value, std::string_view path, Kubeconfig& into) {
  return read_list(value, path, kClusterEntry, into.clusters);
}
Status read_users(const YAML::Node& value, std::string_view path, Kubeconfig& into) {
  return read_list(value, path, kUserEntry, into.users);
}
Status read_contexts(const YAML::Node& value, std::string_view path, Kubeconfig& into) {
  return read_list(value, path, kContextEntry, into.contexts);
}

const std::array<Field<Kubeconfig>, 6> kTopFields{{
    {.key = "apiVersion", .custom = check_api_version},
    {.key = "kind", .custom = check_kind},
    {.key = "clusters", .custom = read_clusters},
    {.key = "users", .custom = read_users},
    {.key = "contexts", .custom = read_contexts},
    {.key = "current-context", .text = &Kubeconfig::current_context},
}};

Error yaml_error(const YAML::Exception& e) {
  if (e.mark.is_null()) return Error{fmt::format("YAML error: {}", e.msg)};
  return Error{fmt::format("YAML error at line {}, column {}: {}", e.mark.line + 1, e.mark.column + 1, e.msg)};
}

// Counts the documents with a non-null root among the first `limit`. Not YAML::LoadAll:
// on some malformed input (a stray '}' at top level) it yields empty documents forever
// without consuming anything, so the count must be bounded.
class DocumentCounter final : public YAML::EventHandler {
 public:
  std::size_t documents = 0;

  void OnDocumentStart(const YAML::Mark&) override { at_root_ = true; }
  void OnDocumentEnd() override {}
  void OnNull(const YAML::Mark&, YAML::anchor_t) override { at_root_ = false; }
  void OnAlias(const YAML::Mark&, YAML::anchor_t) override { root(); }
  void OnScalar(const YAML::Mark&, const std::string&, YAML::anchor_t, const std::string&) override { root(); }
  void OnSequenceStart(const YAML::Mark&, const std::string&, YAML::anchor_t, YAML::EmitterStyle::value) override {
    root();
  }
  void OnSequenceEnd() override {}
  void OnMapStart(const YAML::Mark&, const std::string&, YAML::anchor_t, YAML::EmitterStyle::value) override { root(); }
  void OnMapEnd() override {}

 private:
  void root() {
    if (at_root_) ++documents;
    at_root_ = false;
  }
  bool at_root_ = false;
};

std::size_t count_documents(const std::string& yaml, std::size_t limit) {
  std::istringstream input(yaml);
  YAML::Parser parser(input);
  DocumentCounter counter;
  for (std::size_t calls = 0; calls < limit && parser.HandleNextDocument(counter); ++calls) {
  }
  return counter.documents;
}

Result<Kubeconfig> parse_document(std::string_view text) {
  std::string yaml(text);
  YAML::Node document = YAML::Load(yaml);
  if (document.IsNull()) return Error{"no YAML document (the text is empty or only comments)"};
  // kubectl reads the first document and ignores the rest; a second one is more likely a
  // mistake (two kubeconfigs pasted together) than something to drop silently.
  if (count_documents(yaml, 2) > 1) return Error{"more than one YAML document (separated by \"---\")"};
  Kubeconfig out;
  if (auto read = read_fields(document, "", kTopFields, out); !read) return read.error();
  if (auto checked = check_names(out.clusters); !checked) return checked.error();
  if (auto checked = check_names(out.users); !checked) return checked.error();
  if (auto checked = check_names(out.contexts); !checked) return checked.error();
  return out;
}

// ---- Resolving one context ----------------------------------------------------------

std::string_view describe_unsupported(std::string_view field) {
  if (field == "exec") return "exec credential plugins are not supported; use token, tokenFile or a client certificate";
  if (field == "auth-provider") {
    return "auth-provider plugins are not supported; use token, tokenFile or a client certificate";
  }
  if (field == "proxy-url") return "proxies are not supported";
  return "impersonation is not supported";
}

bool looks_like_pem(std::string_view data) {
  return data.find("-----BEGIN ") != std::string_view::npos;
}

// PEM from a -data field (already decoded) or else from a file; empty when neither is set.
Result<std::string> pem_from(std::string_view data, std::string_view file, std::string_view entry_path,
                             std::string_view key, const std::filesystem::path& directory,
                             const FileReader& read_file) {
  std::string pem;
  std::string where;
  if (!data.empty()) {
    pem = std::string(data);
    where = fmt::format("{}.{}-data", entry_path, key);
  } else if (!file.empty()) {
    std::filesystem::path path(file);
    if (path.is_relative()) path = directory / path;
    where = fmt::format("{}.{}", entry_path, key);
    auto contents = read_file(path);
    if (!contents) return contents.error().context(where);
    if (contents->empty()) return Error{fmt::format("{}: {} is empty", where, path.string())};
    pem = std::move(*contents);
  } else {
    return std::string();
  }
  if (!looks_like_pem(pem)) return Error{fmt::format("{}: not PEM (no \"-----BEGIN\" line)", where)};
  return pem;
}

// A namespace name is an RFC 1123 label.
bool valid_namespace(std::string_view name) {
  if (name.empty() || name.size() > 63 || name.front() == '-' || name.back() == '-') return false;
  return std::all_of(name.begin(), name.end(),
                     [](char c) { return (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '-'; });
}

bool has_control_character(std::string_view text) {
  return std::any_of(text.begin(), text.end(),
                     [](char c) { return static_cast<unsigned char>(c) < 0x20 || c == 0x7f; });
}

Result<const KubeconfigContext*> select_context(const Kubeconfig& kubeconfig, std::string_view requested) {
  if (!requested.empty()) {
    if (const auto* context = kubeconfig.find_context(requested)) return context;
    std::string defined;
    for (const auto& context : kubeconfig.contexts) {
      defined += fmt::format("{}\"{}\"", defined.empty() ? "" : ", ", context.name);
    }
    return Error{fmt::format("context \"{}\" is not defined ({})", requested,
                             defined.empty() ? "no contexts are defined" : "defined: " + defined)};
  }
  if (kubeconfig.current_context.empty()) return Error{"current-context is empty and no context was given"};
  if (const auto* context = kubeconfig.find_context(kubeconfig.current_context)) return context;
  return Error{fmt::format("current-context \"{}\" names a context that is not defined", kubeconfig.current_context)};
}

Status resolve_cluster(const KubeconfigCluster& cluster, const std::filesystem::path& directory,
                       const FileReader& read_file, ConnectionConfig& out) {
  std::string body = cluster.path + ".cluster";
  if (!cluster.unsupported.empty()) {
    const std::string& field = cluster.unsupported.front();
    return Error{fmt::format("{}.{}: cluster \"{}\": {}", body, field, cluster.name, describe_unsupported(field))};
  }
  if (cluster.server.empty()) return Error{fmt::format("{}.server: cluster \"{}\" has no server", body, cluster.name)};
  auto server = parse_server_url(cluster.server);
  if (!server) return server.error().context(body + ".server");
  out.server = std::move(*server);

  auto ca = pem_from(cluster.certificate_authority_data, cluster.certificate_authority, body, "certificate-authority",
                     directory, read_file);
  if (!ca) return ca.error();
  if (cluster.insecure_skip_tls_verify && !ca->empty()) {
    return Error{
        fmt::format("{}: cluster \"{}\" sets both insecure-skip-tls-verify and a certificate authority; use one", body,
                    cluster.name)};
  }
  out.tls.ca_pem = std::move(*ca);
  out.tls.insecure_skip_verify = cluster.insecure_skip_tls_verify;
  out.tls.server_name = cluster.tls_server_name;
  return {};
}

Status resolve_user(const KubeconfigUser& user, const std::filesystem::path& directory, const FileReader& read_file,
                    ConnectionConfig& out) {
  std::string body = user.path + ".user";
  if (!user.unsupported.empty()) {
    const std::string& field = user.unsupported.front();
    return Error{fmt::format("{}.{}: user \"{}\": {}", body, field, user.name, describe_unsupported(field))};
  }

  auto certificate =
      pem_from(user.client_certificate_data, user.client_certificate, body, "client-certificate", directory, read_file);
  if (!certificate) return certificate.error();
  auto key = pem_from(user.client_key_data, user.client_key, body, "client-key", directory, read_file);
  if (!key) return key.error();
  if (certificate->empty() != key->empty()) {
    return Error{fmt::format("{}: user \"{}\" has a client {} but no client {}", body, user.name,
                             certificate->empty() ? "key" : "certificate",
                             certificate->empty() ? "certificate" : "key")};
  }
  out.tls.client_certificate_pem = std::move(*certificate);
  out.tls.client_key_pem = std::move(*key);

  bool has_basic = !user.username.empty() || !user.password.empty();
  bool has_token = !user.token.empty() || !user.token_file.empty();
  if (has_basic && has_token) {
    return Error{
        fmt::format("{}: user \"{}\" sets both a bearer token and username/password; use one", body, user.name)};
  }
  if (!user.token.empty()) {
    if (auto checked = check_bearer_token(user.token); !checked) return checked.error().context(body + ".token");
    out.credentials = BearerToken{user.token};
  } else if (!user.token_file.empty()) {
    std::filesystem::path path(user.token_file);
    if (path.is_relative()) path = directory / path;
    // Read once now so a wrong path fails at start-up, not at the first request.
    auto contents = read_file(path);
    if (!contents) return contents.error().context(body + ".tokenFile");
    if (auto token = token_from_file_contents(*contents, path); !token)
      return token.error().context(body + ".tokenFile");
    out.credentials = BearerTokenFile{std::move(path)};
  } else if (has_basic) {
    if (user.username.empty()) {
      return Error{fmt::format("{}: user \"{}\" has a password but no username", body, user.name)};
    }
    // RFC 7617: the user-id cannot contain a colon, and neither part control characters.
    if (user.username.find(':') != std::string::npos) {
      return Error{fmt::format("{}.username: a basic-auth username cannot contain ':'", body)};
    }
    if (has_control_character(user.username)) {
      return Error{fmt::format("{}.username: contains a control character", body)};
    }
    if (has_control_character(user.password)) {
      return Error{fmt::format("{}.password: contains a control character", body)};
    }
    out.credentials = BasicAuth{user.username, user.password};
  }
  return {};
}

}  // namespace

const KubeconfigCluster* Kubeconfig::find_cluster(std::string_view name) const {
  auto it = std::find_if(clusters.begin(), clusters.end(), [&](const auto& c) { return c.name == name; });
  return it == clusters.end() ? nullptr : &*it;
}
const KubeconfigUser* Kubeconfig::find_user(std::string_view name) const {
  auto it = std::find_if(users.begin(), users.end(), [&](const auto& u) { return u.name == name; });
  return it == users.end() ? nullptr : &*it;
}
const KubeconfigContext* Kubeconfig::find_context(std::string_view name) const {
  auto it = std::find_if(contexts.begin(), contexts.end(), [&](const auto& c) { return c.name == name; });
  return it == contexts.end() ? nullptr : &*it;
}

Result<Kubeconfig> parse_kubeconfig(std::string_view yaml) {
  // yaml-cpp reports every problem by exception; none may leave this function.
  try {
    return parse_document(yaml);
  } catch (const YAML::DeepRecursion& e) {
    // yaml-cpp's own message for this is "bad file".
    return Error{fmt::format("YAML error at line {}, column {}: nested {} levels deep, too deep for the YAML parser",
                             e.mark.line + 1, e.mark.column + 1, e.depth())};
  } catch (const YAML::Exception& e) {
    return yaml_error(e);
  } catch (const std::exception& e) {
    return Error{fmt::format("YAML error: {}", e.what())};
  } catch (...) {
    return Error{"YAML error: unknown exception from the YAML parser"};
  }
}

Result<ConnectionConfig> resolve_kubeconfig(const Kubeconfig& kubeconfig, std::string_view context,
                                            const std::filesystem::path& directory, std::string_view source,
                                            const FileReader& read_file) {
  auto selected = select_context(kubeconfig, context);
  if (!selected) return selected.error();
  const KubeconfigContext& chosen = **selected;
  std::string body = chosen.path + ".context";

  if (chosen.cluster.empty()) {
    return Error{fmt::format("{}.cluster: context \"{}\" names no cluster", body, chosen.name)};
  }
  const KubeconfigCluster* cluster = kubeconfig.find_cluster(chosen.cluster);
  if (!cluster) {
    return Error{fmt::format("{}.cluster: context \"{}\" names cluster \"{}\" which is not defined", body, chosen.name,
                             chosen.cluster)};
  }
  const KubeconfigUser* user = nullptr;
  if (!chosen.user.empty()) {
    user = kubeconfig.find_user(chosen.user);
    if (!user) {
      return Error{fmt::format("{}.user: context \"{}\" names user \"{}\" which is not defined", body, chosen.name,
                               chosen.user)};
    }
  }
  if (!chosen.namespace_name.empty() && !valid_namespace(chosen.namespace_name)) {
    return Error{fmt::format(
        "{}.namespace: \"{}\" is not a valid namespace name (lowercase letters, digits and '-', at most 63)", body,
        chosen.namespace_name)};
  }

  ConnectionConfig out;
  if (auto resolved = resolve_cluster(*cluster, directory, read_file, out); !resolved) return resolved.error();
  if (user) {
    if (auto resolved = resolve_user(*user, directory, read_file, out); !resolved) return resolved.error();
  }
  if (!chosen.namespace_name.empty()) out.namespace_name = chosen.namespace_name;
  out.source = fmt::format("{}, context \"{}\"", source, chosen.name);
  return out;
}

Result<ConnectionConfig> load_kubeconfig(const std::filesystem::path& path, std::string_view context) {
  auto text = read_whole_file(path);
  if (!text) return text.error().context("kubeconfig");
  std::string source = fmt::format("kubeconfig {}", path.string());
  auto parsed = parse_kubeconfig(*text);
  if (!parsed) return parsed.error().context(source);
  auto resolved = resolve_kubeconfig(*parsed, context, path.parent_path(), source);
  if (!resolved) return resolved.error().context(source);
  return resolved;
}

Result<std::filesystem::path> find_kubeconfig(std::string_view explicit_path, const EnvironmentLookup& env) {
  if (!explicit_path.empty()) return std::filesystem::path(explicit_path);

  auto exists = [](const std::filesystem::path& path) {
    std::error_code ignored;
    return std::filesystem::exists(path, ignored);
  };
  std::vector<std::string> listed;
  if (auto list = env("KUBECONFIG")) {
    std::string_view rest = *list;
    while (true) {
      std::size_t colon = rest.find(':');
      std::string_view entry = rest.substr(0, colon);
      if (!entry.empty()) {
        if (exists(entry)) return std::filesystem::path(entry);
        listed.emplace_back(entry);
      }
      if (colon == std::string_view::npos) break;
      rest.remove_prefix(colon + 1);
    }
  }
  if (!listed.empty()) {
    return Error{fmt::format("no kubeconfig: none of the files in KUBECONFIG exist ({})", fmt::join(listed, ", "))};
  }
  auto home = env("HOME");
  if (!home || home->empty()) return Error{"no kubeconfig: neither KUBECONFIG nor HOME is set"};
  std::filesystem::path fallback = std::filesystem::path(*home) / ".kube" / "config";
  if (exists(fallback)) return fallback;
  return Error{fmt::format("no kubeconfig: KUBECONFIG is not set and {} does not exist", fallback.string())};
}

}  // namespace sluice::k8s
