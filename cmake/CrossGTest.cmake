# Cross builds: GoogleTest compiled for the target from the sources Debian's
# libgtest-dev ships in /usr/src/googletest (its libraries are built for the
# build machine only). Provides GTest::gtest and GTest::gtest_main.
set(_gtest_src /usr/src/googletest/googletest)
if(NOT EXISTS ${_gtest_src}/src/gtest-all.cc)
  message(FATAL_ERROR "${_gtest_src} not found: install libgtest-dev (scripts/install-deps.sh)")
endif()
add_library(entropix_gtest STATIC ${_gtest_src}/src/gtest-all.cc)
target_include_directories(entropix_gtest SYSTEM PUBLIC ${_gtest_src}/include PRIVATE ${_gtest_src})
target_link_libraries(entropix_gtest PUBLIC Threads::Threads)
add_library(entropix_gtest_main STATIC ${_gtest_src}/src/gtest_main.cc)
target_link_libraries(entropix_gtest_main PUBLIC entropix_gtest)
add_library(GTest::gtest ALIAS entropix_gtest)
add_library(GTest::gtest_main ALIAS entropix_gtest_main)
