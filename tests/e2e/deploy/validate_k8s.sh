#!/usr/bin/env bash
# Validates deploy/k8s/*.yaml offline against the Kubernetes API schemas with
# kubernetes-validate (PyPI; it bundles the schemas, so nothing is fetched at
# validation time), installed once into a venv under the build folder. A
# broken manifest must fail (the validator can say no), and the Deployment
# must probe /health.
#   validate_k8s.sh K8S_DIR VENV_DIR
# Without venv/pip access it skips (77) unless ENTROPIX_REQUIRE_SERVER_E2E=1.
set -uo pipefail
dir=$1 venv=$2
version=1.34.1   # the validator; it checks against Kubernetes 1.34 below
kube=1.34.0
source "$(dirname "$0")/../require.sh" || exit 1  # skip, venv_with
fail() { echo "FAILED: $*" >&2; exit 1; }
venv_with "$venv" "kubernetes-validate==$version"
validate() { "$venv/bin/kubernetes-validate" --strict -k "$kube" "$@"; }
validate "$dir"/*.yaml || fail "deploy/k8s does not validate against Kubernetes $kube"
broken=$(mktemp --suffix=.yaml)
trap 'rm -f "$broken"' EXIT
sed 's/^  replicas: 1$/  replicas: "one"/; s/containerPort:/containerPorts:/' "$dir/deployment.yaml" > "$broken"
cmp -s "$broken" "$dir/deployment.yaml" && fail "the negative control did not change deployment.yaml"
validate "$broken" >/dev/null 2>&1 && fail "a broken Deployment (replicas \"one\", an unknown field) validated"
for probe in readinessProbe livenessProbe; do
  grep -A3 "$probe:" "$dir/deployment.yaml" | grep -q "path: /health" || fail "the Deployment's $probe is not on /health"
done
echo "deploy/k8s: valid against Kubernetes $kube (kubernetes-validate $version, strict); a broken copy is refused"
