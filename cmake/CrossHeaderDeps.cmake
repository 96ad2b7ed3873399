# Cross builds (e.g. cmake/aarch64-linux-gnu.cmake): nlohmann_json and CLI11
# are header-only, so the build machine's Debian headers serve any target.
# Their CMake packages would add -isystem /usr/include, which puts the build
# machine's C library headers before the target's; instead expose only the
# two header trees, through links in the build folder.
set(_deps ${CMAKE_BINARY_DIR}/cross-header-deps)
file(MAKE_DIRECTORY ${_deps})
foreach(tree nlohmann CLI)
  if(NOT EXISTS /usr/include/${tree})
    message(FATAL_ERROR "/usr/include/${tree} not found: install nlohmann-json3-dev and libcli11-dev "
                        "(scripts/install-deps.sh)")
  endif()
  file(CREATE_LINK /usr/include/${tree} ${_deps}/${tree} SYMBOLIC)
endforeach()
add_library(nlohmann_json::nlohmann_json INTERFACE IMPORTED)
target_include_directories(nlohmann_json::nlohmann_json SYSTEM INTERFACE ${_deps})
add_library(CLI11::CLI11 INTERFACE IMPORTED)
target_include_directories(CLI11::CLI11 SYSTEM INTERFACE ${_deps})
