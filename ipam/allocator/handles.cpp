#include "ipam/allocator/handles.hpp"

#include "ipam/block/names.hpp"
#include "ipam/store/soft_delete.hpp"

namespace sluice::ipam {
namespace {

// The store holds `name` with exactly these counts. A handle belongs to one owner (one
// pod), whose operations do not overlap, so finding what we meant to write means our
// write landed.
boost::asio::awaitable<bool> holds(IpamContext& ctx, const std::string& name, const std::map<std::string, int>& block) {
  auto current = co_await get_live<k8s::IPAMHandle>(ctx.store, name);
  if (!current) co_return block.empty() && current.error().kind == k8s::ApiErrorKind::not_found;
  co_return current->spec.block == block;
}

}  // namespace

Error datastore_error(std::string_view what, const k8s::ApiError& error) {
  return Error{std::string(what) + ": " + error.describe(),
               error.kind == k8s::ApiErrorKind::not_found ? kNotFound : kDatastore};
}

bool may_have_landed(const k8s::ApiError& error) {
  switch (error.kind) {
    case k8s::ApiErrorKind::transport:
    case k8s::ApiErrorKind::timeout:
    case k8s::ApiErrorKind::internal_error:
    case k8s::ApiErrorKind::service_unavailable:
    case k8s::ApiErrorKind::bad_response:
    case k8s::ApiErrorKind::other:
      return true;
    default:
      return false;
  }
}

boost::asio::awaitable<Status> increment_handle(IpamContext& ctx, std::string_view handle_id, const ip::Prefix& block,
                                                int count, bool probably_new) {
  const std::string name = handle_name(handle_id);
  const std::string cidr = block.to_string();
  for (int attempt = 0; attempt < ctx.max_retries; ++attempt) {
    k8s::ApiResult<k8s::IPAMHandle> current =
        k8s::ApiError{k8s::ApiErrorKind::not_found, 404, "NotFound", "not read yet", std::nullopt};
    if (attempt > 0 || !probably_new) current = co_await get_live<k8s::IPAMHandle>(ctx.store, name);
    if (!current && current.error().kind != k8s::ApiErrorKind::not_found)
      co_return datastore_error("reading IPAMHandle " + name, current.error());
    k8s::IPAMHandle handle;
    k8s::ApiError failure;
    if (!current) {
      handle.metadata.name = name;
      handle.spec.handle_id = std::string(handle_id);
      handle.spec.block[cidr] = count;
      auto created = co_await create_object(ctx.store, handle);
      if (created) co_return Status{};
      failure = created.error();
      if (failure.kind == k8s::ApiErrorKind::already_exists) continue;
    } else {
      handle = std::move(*current);
      handle.spec.block[cidr] += count;
      auto updated = co_await update_object(ctx.store, handle);
      if (updated) co_return Status{};
      failure = updated.error();
      if (failure.kind == k8s::ApiErrorKind::conflict || failure.kind == k8s::ApiErrorKind::not_found) continue;
    }
    // No answer: find out whether the write happened before trying again.
    if (!may_have_landed(failure)) co_return datastore_error("writing IPAMHandle " + name, failure);
    if (co_await holds(ctx, name, handle.spec.block)) co_return Status{};
  }
  co_return Error{"IPAMHandle " + name + ": gave up after " + std::to_string(ctx.max_retries) + " attempts",
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
    const auto intended = handle.spec.block;
    k8s::ApiStatus written;
    if (intended.empty()) {
      written = co_await soft_delete(ctx.store, std::move(handle));
    } else {
      auto updated = co_await update_object(ctx.store, handle);
      if (!updated) written = updated.error();
    }
    if (written) co_return Status{};
    const auto& failure = written.error();
    if (failure.kind == k8s::ApiErrorKind::conflict) continue;
    if (failure.kind == k8s::ApiErrorKind::not_found) co_return Status{};
    if (!may_have_landed(failure)) co_return datastore_error("updating IPAMHandle " + name, failure);
    if (co_await holds(ctx, name, intended)) co_return Status{};
  }
  co_return Error{"IPAMHandle " + name + ": gave up after " + std::to_string(ctx.max_retries) + " attempts",
                  kRetriesExhausted};
}

}  // namespace sluice::ipam
