# Compiler flags every Sluice target gets, through the interface target sluice_flags.
# Third-party headers are included as SYSTEM so -Werror applies to our code only.
add_library(sluice_flags INTERFACE)
target_compile_options(sluice_flags INTERFACE -Wall -Wextra -Werror)
if(CMAKE_CXX_COMPILER_ID STREQUAL "GNU")
  # g++ 12 misreads Asio's coroutine-frame allocator (operator new/delete pairs of
  # awaitable_frame_base) as mismatched; a known false positive for every co_await.
  target_compile_options(sluice_flags INTERFACE -Wno-mismatched-new-delete)
endif()
if(CMAKE_CXX_COMPILER_ID STREQUAL "Clang")
  # RapidJSON 1.1 (Debian's) declares iterator comparisons that C++20's reversed
  # operators make ambiguous in clang's eyes; the warning fires at every use.
  target_compile_options(sluice_flags INTERFACE -Wno-ambiguous-reversed-operator)
endif()

if(SLUICE_SANITIZE AND SLUICE_LIBFUZZER)
  message(FATAL_ERROR "SLUICE_SANITIZE and SLUICE_LIBFUZZER are separate build directories; pick one")
endif()

if(SLUICE_SANITIZE)
  set(_sanitizers -fsanitize=address,undefined -fno-sanitize-recover=undefined -fno-omit-frame-pointer)
  add_compile_options(${_sanitizers})
  add_link_options(${_sanitizers})
endif()

if(SLUICE_LIBFUZZER)
  if(NOT CMAKE_CXX_COMPILER_ID STREQUAL "Clang")
    message(FATAL_ERROR "SLUICE_LIBFUZZER needs clang (configure with -DCMAKE_CXX_COMPILER=clang++)")
  endif()
  # Libraries are instrumented for coverage; only the fuzz executables link libFuzzer's main.
  set(_fuzz_instrument -fsanitize=fuzzer-no-link,address,undefined -fno-sanitize-recover=undefined -fno-omit-frame-pointer
      -fsanitize-ignorelist=${CMAKE_CURRENT_LIST_DIR}/sanitizer-ignorelist.txt)
  add_compile_options(${_fuzz_instrument})
  add_link_options(-fsanitize=address,undefined)
endif()
