// The API test server (with its own etcd) as a separate process for benchmarks, so the
// server's work does not share the measured process.
#pragma once

#include <memory>
#include <string>

#include "base/ip/endpoint.hpp"
#include "tests/support/subprocess.hpp"
#include "tests/support/temp_dir.hpp"

namespace sluice::bench {

// Starts `binary` (sluice-test-apiserver) logging into `dir` and waits (bounded) until it
// prints where it serves; throws if it does not.
ip::Endpoint start_apiserver(const std::string& binary, testing::TempDir& dir,
                             std::unique_ptr<testing::Subprocess>& process);

}  // namespace sluice::bench
