#include "bench/support/apiserver_process.hpp"

#include <chrono>
#include <fstream>
#include <regex>
#include <stdexcept>
#include <thread>

namespace sluice::bench {

ip::Endpoint start_apiserver(const std::string& binary, testing::TempDir& dir,
                             std::unique_ptr<testing::Subprocess>& process) {
  auto log_file = dir.path() / "apiserver.log";
  process = std::make_unique<testing::Subprocess>(
      testing::Subprocess::start({binary, "--log-level", "warn"}, log_file));
  std::regex serving(R"(serving http://([0-9.]+):([0-9]+))");
  for (int i = 0; i < 300; ++i) {
    std::ifstream in(log_file);
    std::string text((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
    std::smatch m;
    if (std::regex_search(text, m, serving)) return *ip::Endpoint::parse(m[1].str() + ":" + m[2].str());
    std::this_thread::sleep_for(std::chrono::milliseconds(100));
  }
  throw std::runtime_error("the API test server did not start; see " + log_file.string());
}

}  // namespace sluice::bench
