#include "ipam/allocator/handles.hpp"

#include "ipam/block/names.hpp"
#include "ipam/store/soft_delete.hpp"

namespace sluice::ipam {

Error datastore_error(std::string_view what, const k8s::ApiError& error) {
  return Error{std::string(what) + ": " + error.describe(),
               error.kind == k8s::ApiErrorKind::not_found ? kNotFound : kDatastore};
}

boost::asio::awaitable<Status> increment_handle(IpamContext& ctx, std::string_view handle_id, const ip::Prefix& block,
                                                int count) {
  const std::string name = handle_name(handle_id);
  const std::string cidr = block.to_string();
  for (int attempt = 0; attempt < ctx.max_retries; ++attempt) {
    auto current = co_await get_live<k8s::IPAMHandle>(ctx.store, name);
    if (!current) {
      if (current.error().kind != k8s::ApiErrorKind::not_found)
        co_return datastore_error("reading IPAMHandle " + name, current.error());
      k8s::IPAMHandle handle;
      handle.metadata.name = name;
      handle.spec.handle_id = std::string(handle_id);
      handle.spec.block[cidr] = count;
      auto created = co_await create_object(ctx.store, handle);
      if (created) co_return Status{};
      if (created.error().kind == k8s::ApiErrorKind::already_exists) continue;
      co_return datastore_error("creating IPAMHandle " + name, created.error());
    }
    k8s::IPAMHandle handle = std::move(*current);
    handle.spec.block[cidr] += count;
    auto updated = co_await update_object(ctx.store, handle);
    if (updated) co_return Status{};
    if (updated.error().kind == k8s::ApiErrorKind::conflict || updated.error().kind == k8s::ApiErrorKind::not_found)
      continue;
    co_return datastore_error("updating IPAMHandle " + name, updated.error());
  }
  co_return Error{"IPAMHandle " + name + ": gave up after " + std::to_string(ctx.max_retries) + " conflicting writes",
                  kRetriesExhausted};
}

boost::asio::awaitable<Status> decrement_handle(IpamContext& ctx, std::string_view handle_id, const ip::Prefix& block,
                                                int count) {
  const std::string name = handle_name(handle_id);
  const std::string cidr = block.to_string();
  for (int attempt = 0; attempt < ctx.max_retries; ++attempt) {
    auto current = co_await get_live<k8s::IPAMHandle>(ctx.store, name);
    if (!current) {
      if (current.error().kind == k8s::ApiErrorKind::not_found) co_return Status{};
      co_return datastore_error("reading IPAMHandle " + name, current.error());
    }
    k8s::IPAMHandle handle = std::move(*current);
    auto it = handle.spec.block.find(cidr);
    if (it == handle.spec.block.end()) co_return Status{};
    it->second -= count;
    if (it->second <= 0) handle.spec.block.erase(it);
    k8s::ApiStatus written;
    if (handle.spec.block.empty()) {
      written = co_await soft_delete(ctx.store, std::move(handle));
    } else {
      auto updated = co_await update_object(ctx.store, handle);
      if (!updated) written = updated.error();
    }
    if (written) co_return Status{};
    if (written.error().kind == k8s::ApiErrorKind::conflict) continue;
    if (written.error().kind == k8s::ApiErrorKind::not_found) co_return Status{};
    co_return datastore_error("updating IPAMHandle " + name, written.error());
  }
  co_return Error{"IPAMHandle " + name + ": gave up after " + std::to_string(ctx.max_retries) + " conflicting writes",
                  kRetriesExhausted};
}

}  // namespace sluice::ipam
