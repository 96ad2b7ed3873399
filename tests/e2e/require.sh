# Sourced by the end-to-end scripts that need tools from outside the build
# (a package from the package index in a venv, node, chromium).
#
# skip MESSAGE: ctest's SKIP (exit 77) with the message, or a failure when
# ENTROPIX_REQUIRE_SERVER_E2E=1 (scripts/test.sh sets it: CI must run them;
# scripts/install-deps.sh installs what they need).
skip() {
  if [ "${ENTROPIX_REQUIRE_SERVER_E2E:-0}" = 1 ]; then
    echo "FAILED: $1 (ENTROPIX_REQUIRE_SERVER_E2E=1)" >&2
    exit 1
  fi
  echo "SKIPPED: $1" >&2
  exit 77
}

# venv_with VENV NAME==VERSION: a virtual environment with that one package
# from the package index, made once (a marker file names the version).
venv_with() {
  local venv=$1 spec=$2
  [ -f "$venv/.${spec/==/-}" ] && return 0
  rm -rf "$venv"
  python3 -m venv "$venv" >/dev/null 2>&1 || skip "python3 -m venv is not available (apt-get install python3-venv)"
  "$venv/bin/python" -m pip install -q --disable-pip-version-check "$spec" >/dev/null 2>&1 ||
    skip "cannot install $spec from the package index into $venv"
  touch "$venv/.${spec/==/-}"
}
