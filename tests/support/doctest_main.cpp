// The one doctest runner every test binary links. Built twice: the root variant
// reports the whole binary as skipped (exit 77, which ctest shows by name) when not
// run as root, instead of letting kernel-facing tests fail or silently pass.
#define DOCTEST_CONFIG_IMPLEMENT
#include <doctest/doctest.h>

#include <unistd.h>

#include <cstdio>

int main(int argc, char** argv) {
#if defined(SLUICE_TEST_NEEDS_ROOT)
  if (geteuid() != 0) {
    std::fprintf(stderr, "SKIPPED %s: this tier needs root (network namespaces, the kernel's routing tables)\n",
                 argv[0]);
    return 77;
  }
#endif
  doctest::Context context;
  context.applyCommandLine(argc, argv);
  return context.run();
}
