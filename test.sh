#!/usr/bin/env bash
# The whole test suite: unit tests, engine numerics on the shared models, the real AWS SDKs (Java, and
# JavaScript via the machine's node + npm, installed from runtime/src/test/js/package-lock.json; boto3; and the AWS
# CLI) against the server, and the browser console in headless chromium.
set -euo pipefail
cd "$(dirname "$0")"
if [ ! -d ../shared/models ]; then
  echo "test.sh: the shared test models are missing: expected ../shared/models beside this repository" >&2
  exit 1
fi
for tool in java mvn node npm python3; do
  command -v "$tool" >/dev/null || { echo "test.sh: '$tool' is required on PATH" >&2; exit 1; }
done
# boto3 drives the server from Python (runtime/src/test/python): Debian's python3-boto3, installed when missing; and
# the AWS CLI drives its control plane: Debian's awscli (the CLI v2, older than Bedrock), installed when missing, and
# also any other `aws` on the PATH.
packages=()
python3 -c 'import boto3' 2>/dev/null || packages+=(python3-boto3)
[ -x /usr/bin/aws ] || packages+=(awscli)
# The console's browser tests drive Debian's chromium through chromium-driver (Selenium from Maven Central).
[ -x /usr/bin/chromium ] || packages+=(chromium)
[ -x /usr/bin/chromedriver ] || packages+=(chromium-driver)
# The state store's PostgreSQL tests start Debian's own server (initdb + pg_ctl on loopback, as user postgres).
compgen -G "/usr/lib/postgresql/*/bin/initdb" >/dev/null || packages+=(postgresql)
# Replicas behind a real load balancer: Debian's HAProxy, started by the test in the foreground on loopback.
[ -x /usr/sbin/haproxy ] || packages+=(haproxy)
# The Kubernetes manifests' test renders deploy/kubernetes with `kubectl kustomize`: Debian's kubernetes-client
# (kubectl 1.20, kustomize v2.0.3) when no kubectl is installed.
[ -x /usr/bin/kubectl ] || command -v kubectl >/dev/null || packages+=(kubernetes-client)
# The container image (module image/, profile image; docs/deploy.md) is built from Debian's .debs and a jlink'ed copy
# of the JDK that runs Maven, and checked by running its entry point in mount and network namespaces of its own:
# that needs root, the JDK's jmods/, util-linux's unshare and nsenter, and iproute2's ip (not in a minimal Debian).
java_home=${JAVA_HOME:-$(dirname "$(dirname "$(readlink -f "$(command -v java)")")")}
image=()
if [ "$(id -u)" != 0 ]; then
  echo "test.sh: not running as root: the container image is not built or checked" \
    "(running its entry point needs mount and network namespaces; as root: ./test.sh, or mvn -Pimage verify)" >&2
elif [ ! -f "$java_home/jmods/java.base.jmod" ]; then
  echo "test.sh: $java_home has no jmods/: the container image is not built or checked" \
    "(its runtime is jlink'ed from them: Debian's openjdk-17-jdk-headless has them)" >&2
else
  image=(-Pimage)
  command -v nsenter >/dev/null && command -v unshare >/dev/null || packages+=(util-linux)
  [ -x /usr/sbin/ip ] || [ -x /sbin/ip ] || command -v ip >/dev/null || packages+=(iproute2)
fi
apt_install() { # each package on its own: one that will not install leaves the other installed
  for package in "${packages[@]}"; do
    "$@" apt-get install -y "$package" || { "$@" apt-get update && "$@" apt-get install -y "$package"; } || true
  done
}
if [ "${#packages[@]}" -gt 0 ]; then
  echo "test.sh: installing Debian's ${packages[*]} for the boto3, AWS CLI, browser, PostgreSQL, load-balancer," \
    "Kubernetes and container image tests" >&2
  if [ "$(id -u)" = 0 ]; then
    apt_install env
  elif command -v sudo >/dev/null && sudo -n true 2>/dev/null; then
    apt_install sudo -n
  fi
  python3 -c 'import boto3' 2>/dev/null || {
    echo "test.sh: python3 with boto3 is required: install Debian's python3-boto3 (apt-get install python3-boto3)" >&2
    exit 1
  }
  command -v aws >/dev/null || [ -x /usr/bin/aws ] ||
    echo "test.sh: no AWS CLI (apt-get install awscli): its control-plane test is skipped" >&2
  [ -x /usr/bin/chromium ] && [ -x /usr/bin/chromedriver ] || {
    echo "test.sh: the console's browser tests need Debian's chromium and chromium-driver" \
      "(apt-get install chromium chromium-driver)" >&2
    exit 1
  }
fi
# Jib (the image's build) otherwise asks Google's servers whether a newer Jib exists on every build.
exec mvn -B -ntp verify "${image[@]}" -Djib.disableUpdateChecks=true "$@"
