#include "k8s-client/client/list_watch.hpp"

#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/redirect_error.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/this_coro.hpp>
#include <boost/asio/use_awaitable.hpp>

#include "base/asio/sleep.hpp"
#include "base/log/log.hpp"

namespace sluice::k8s {

namespace asio = boost::asio;

ListWatch::ListWatch(Client& client, ResourceType type, ListWatchOptions options, ListWatchSink sink)
    : client_(client), type_(std::move(type)), options_(std::move(options)), sink_(std::move(sink)) {}

void ListWatch::stop() {
  stopped_ = true;
  if (resync_timer_) resync_timer_->cancel();
}

asio::awaitable<void> ListWatch::resync_loop() {
  auto executor = co_await asio::this_coro::executor;
  resync_timer_ = std::make_unique<asio::steady_timer>(executor);
  while (!stopped_) {
    resync_timer_->expires_after(options_.resync_period);
    boost::system::error_code ec;
    co_await resync_timer_->async_wait(asio::redirect_error(asio::use_awaitable, ec));
    if (!stopped_ && sink_.resync) sink_.resync();
  }
}

asio::awaitable<void> ListWatch::run() {
  if (options_.resync_period.count() > 0) {
    auto executor = co_await asio::this_coro::executor;
    asio::co_spawn(executor, resync_loop(), asio::detached);
  }
  retry::Backoff backoff(options_.backoff);
  bool need_list = true;
  auto fail = [&](const ApiError& error, std::string_view step) {
    ++stats_.failures;
    log::warn("list/watch failed; retrying", {log::kv("resource", type_.plural), log::kv("step", step),
                                               log::kv("error", error.describe())});
    if (sink_.error) sink_.error(error);
  };
  while (!stopped_) {
    if (need_list) {
      ListOptions list_options;
      list_options.label_selector = options_.label_selector;
      list_options.field_selector = options_.field_selector;
      list_options.limit = options_.page_size;
      auto listed = co_await client_.list(type_, options_.ns, list_options);
      if (!listed) {
        fail(listed.error(), "list");
        co_await sleep_for(backoff.next());
        continue;
      }
      ++stats_.lists;
      resource_version_ = listed->resource_version;
      if (sink_.replace) sink_.replace(*listed);
      need_list = false;
    }
    if (stopped_) break;
    WatchOptions watch_options;
    watch_options.resource_version = resource_version_;
    watch_options.label_selector = options_.label_selector;
    watch_options.field_selector = options_.field_selector;
    watch_options.timeout = options_.watch_timeout;
    WatchHandler handler = [this](const WatchEvent& event) -> ApiStatus {
      if (stopped_) return ApiError{ApiErrorKind::other, 0, "Stopped", "the informer was stopped", {}};
      ++stats_.events;
      if (event.type != WatchEventType::bookmark && sink_.event) sink_.event(event);
      if (!event.resource_version.empty()) resource_version_ = event.resource_version;
      return {};
    };
    ++stats_.watches;
    auto watched = co_await client_.watch(type_, options_.ns, watch_options, std::move(handler));
    if (stopped_) break;
    if (watched) {
      backoff.reset();  // a watch that ran to its timeout: resume at once
      continue;
    }
    if (watched.error().kind == ApiErrorKind::expired) {
      // Our version was compacted away: only a new list can tell what changed.
      ++stats_.expired;
      log::info("watch version expired; relisting", {log::kv("resource", type_.plural),
                                                      log::kv("resourceVersion", resource_version_)});
      need_list = true;
      continue;
    }
    fail(watched.error(), "watch");
    co_await sleep_for(backoff.next());
  }
}

}  // namespace sluice::k8s
