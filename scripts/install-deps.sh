#!/usr/bin/env bash
# Installs the Debian packages entropix builds against (idempotent; needs root
# or sudo). Everything comes from Debian: no downloads during configure/build.
set -euo pipefail
pkgs=(cmake ninja-build g++ pkg-config ccache libgtest-dev nlohmann-json3-dev libcli11-dev
      libbenchmark-dev zlib1g-dev libssl-dev python3
      libcpp-httplib-dev  # entropix serve (src/server/)
      python3-venv        # the server's end-to-end tests install the openai client into a venv
      libcld2-dev  # language identification for IFEval (src/eval/language_id.h)
      tmux  # the chat REPL's acceptance test (tests/e2e/chat_tmux.sh)
      pybind11-dev python3-dev python3-numpy python3-pytest  # the Python package (scripts/test-python.sh)
      chromium  # the web page's browser test (tests/e2e/server/run_browser_test.sh)
      clang-14 libclang-rt-14-dev  # clang: the libFuzzer targets (scripts/fuzz-smoke.sh)
      g++-aarch64-linux-gnu qemu-user file)  # the ARM64 cross build, tested under emulation (scripts/test-arm64.sh)
# node and npm drive that browser test (playwright-core); only when absent, so
# that a Node.js from elsewhere (e.g. NodeSource, which bundles npm) is kept.
command -v node >/dev/null || pkgs+=(nodejs)
command -v npm >/dev/null || pkgs+=(npm)
missing=()
for p in "${pkgs[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
if ((${#missing[@]})); then
  echo "installing: ${missing[*]}"
  SUDO=""; [ "$(id -u)" = 0 ] || SUDO=sudo
  $SUDO env DEBIAN_FRONTEND=noninteractive apt-get update -q
  $SUDO env DEBIAN_FRONTEND=noninteractive apt-get install -y -q --no-install-recommends "${missing[@]}"
fi
python3 -m pip --version >/dev/null 2>&1 || {
  echo "python3 -m pip is needed to download models (apt-get install python3-pip)" >&2; exit 1; }
