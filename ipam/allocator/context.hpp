// What every allocator operation runs with: the store, the clock, the retry bound for
// compare-and-swap loops, and the error codes callers branch on.
#pragma once

#include <chrono>
#include <functional>

#include "ipam/block/allocation_block.hpp"
#include "ipam/store/object_store.hpp"

namespace sluice::ipam {

using Clock = std::function<TimePoint()>;

// Error::code values of allocator operations (block-level codes are in allocation_block.hpp).
enum AllocatorError : int {
  kDatastore = 100,       // the store failed (transport, server error, undecodable object)
  kNoPools = 101,         // no enabled pool of the family selects this host / use / namespace
  kExhausted = 102,       // the pools have no free address this host may take
  kBlockLimit = 103,      // the host holds maxBlocksPerHost blocks and needs another
  kRetriesExhausted = 104,  // too many lost compare-and-swaps in a row
  kClaimConflict = 105,   // another host claimed the block first
  kNotFound = 106,        // the handle, block or address is not there
  kInvalidRequest = 107,  // the caller asked for something impossible
  kBlockNotEmpty = 108,   // an affinity release that required an empty block
  kNotInPool = 109,       // a fixed address outside every pool
};

struct IpamContext {
  ObjectStore& store;
  Clock now;
  // Calico's datastoreRetries: compare-and-swap attempts before giving up.
  int max_retries = 100;
};

// An API error as an allocator error: "<what>: 409 Conflict: ...".
Error datastore_error(std::string_view what, const k8s::ApiError& error);
// A write that failed this way may still have been applied (no answer came, or the
// server failed after acting): the caller must look before writing again.
bool may_have_landed(const k8s::ApiError& error);

}  // namespace sluice::ipam
