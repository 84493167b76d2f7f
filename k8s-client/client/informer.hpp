// An informer: a local cache of one resource kept current by a ListWatch, with add,
// update and delete handlers, periodic resync, and a has-synced signal. The cache logic
// (apply a list, apply an event, resync) is plain code; only ListWatch does I/O.
//
// T is any decoded type; the decoder turns one object into a T (a Result, so an object
// we cannot read is counted and skipped instead of poisoning the cache).
#pragma once

#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <unordered_map>
#include <vector>

#include <rapidjson/document.h>

#include "base/json/json.hpp"
#include "base/log/log.hpp"
#include "base/result.hpp"
#include "k8s-client/client/list_watch.hpp"
#include "k8s-client/client/object_identity.hpp"

namespace sluice::k8s {

template <class T>
class InformerCache {
 public:
  using Decoder = std::function<Result<T>(const rapidjson::Value&)>;
  using Ptr = std::shared_ptr<const T>;
  struct Handlers {
    std::function<void(const Ptr&)> on_add;
    std::function<void(const Ptr& old_object, const Ptr& new_object)> on_update;
    std::function<void(const Ptr&)> on_delete;
  };

  explicit InformerCache(Decoder decoder) : decoder_(std::move(decoder)) {}

  void add_handlers(Handlers handlers) { handlers_.push_back(std::move(handlers)); }

  // A full list: objects new to the cache are added, changed ones updated, and cached
  // objects the list no longer has are deleted (they went while we were not watching).
  void replace(const ListResult& list) {
    std::unordered_map<std::string, Entry> next;
    next.reserve(list.size());
    list.for_each([&](const rapidjson::Value& object) {
      std::string key = object_key(object);
      if (key.empty()) return;
      std::string version = object_resource_version(object);
      auto old = entries_.find(key);
      if (old != entries_.end() && old->second.resource_version == version) {
        next.emplace(std::move(key), std::move(old->second));
        entries_.erase(old);
        return;
      }
      auto decoded = decode(object, key);
      if (!decoded) return;
      if (old != entries_.end()) {
        Ptr before = std::move(old->second.object);
        entries_.erase(old);
        notify_update(before, decoded);
      } else {
        notify_add(decoded);
      }
      next.emplace(std::move(key), Entry{std::move(decoded), std::move(version)});
    });
    for (auto& [key, gone] : entries_) notify_delete(gone.object);
    entries_ = std::move(next);
    synced_ = true;
  }

  void apply(const WatchEvent& event) {
    std::string key = object_key(event.object);
    if (key.empty()) return;
    auto it = entries_.find(key);
    if (event.type == WatchEventType::deleted) {
      if (it == entries_.end()) return;
      Ptr gone = std::move(it->second.object);
      entries_.erase(it);
      notify_delete(gone);
      return;
    }
    auto decoded = decode(event.object, key);
    if (!decoded) return;
    std::string version(event.resource_version);
    if (it == entries_.end()) {
      entries_.emplace(std::move(key), Entry{decoded, std::move(version)});
      notify_add(decoded);
    } else {
      Ptr before = std::move(it->second.object);
      it->second = Entry{decoded, std::move(version)};
      notify_update(before, decoded);
    }
  }

  // Every cached object to on_update(object, object), so handlers can re-check state
  // they derive from it (client-go's resync).
  void resync() {
    for (const auto& [key, entry] : entries_) notify_update(entry.object, entry.object);
  }

  bool has_synced() const { return synced_; }
  std::size_t size() const { return entries_.size(); }
  std::uint64_t undecodable() const { return undecodable_; }
  Ptr get(const std::string& key) const {
    auto it = entries_.find(key);
    return it == entries_.end() ? nullptr : it->second.object;
  }
  std::vector<Ptr> list() const {
    std::vector<Ptr> out;
    out.reserve(entries_.size());
    for (const auto& [key, entry] : entries_) out.push_back(entry.object);
    return out;
  }

 private:
  struct Entry {
    Ptr object;
    std::string resource_version;
  };

  Ptr decode(const rapidjson::Value& object, const std::string& key) {
    auto decoded = decoder_(object);
    if (!decoded) {
      ++undecodable_;
      log::warn("skipping an object that does not decode",
                {log::kv("object", key), log::kv("error", decoded.error().message)});
      return nullptr;
    }
    return std::make_shared<const T>(std::move(*decoded));
  }
  void notify_add(const Ptr& p) {
    for (auto& h : handlers_)
      if (h.on_add) h.on_add(p);
  }
  void notify_update(const Ptr& before, const Ptr& after) {
    for (auto& h : handlers_)
      if (h.on_update) h.on_update(before, after);
  }
  void notify_delete(const Ptr& p) {
    for (auto& h : handlers_)
      if (h.on_delete) h.on_delete(p);
  }

  Decoder decoder_;
  std::vector<Handlers> handlers_;
  std::unordered_map<std::string, Entry> entries_;
  bool synced_ = false;
  std::uint64_t undecodable_ = 0;
};

// The cache wired to a ListWatch.
template <class T>
class Informer {
 public:
  using Ptr = typename InformerCache<T>::Ptr;
  using Handlers = typename InformerCache<T>::Handlers;

  Informer(Client& client, ResourceType type, ListWatchOptions options, typename InformerCache<T>::Decoder decoder)
      : cache_(std::move(decoder)),
        list_watch_(client, std::move(type), std::move(options),
                    ListWatchSink{[this](const ListResult& l) { cache_.replace(l); },
                                  [this](const WatchEvent& e) { cache_.apply(e); }, [this] { cache_.resync(); },
                                  nullptr}) {}

  // The sink's callbacks hold `this`.
  Informer(const Informer&) = delete;
  Informer& operator=(const Informer&) = delete;

  void add_handlers(Handlers handlers) { cache_.add_handlers(std::move(handlers)); }
  boost::asio::awaitable<void> run() { return list_watch_.run(); }
  void stop() { list_watch_.stop(); }

  bool has_synced() const { return cache_.has_synced(); }
  const InformerCache<T>& cache() const { return cache_; }
  const ListWatch& list_watch() const { return list_watch_; }

 private:
  InformerCache<T> cache_;
  ListWatch list_watch_;
};

}  // namespace sluice::k8s
