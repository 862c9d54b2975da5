#!/usr/bin/env bash
# The whole test suite: unit tests, engine numerics on the shared models, and the real AWS SDKs (Java, and
# JavaScript via the machine's node + npm, installed from runtime/src/test/js/package-lock.json; and boto3) against
# the server.
set -euo pipefail
cd "$(dirname "$0")"
if [ ! -d ../shared/models ]; then
  echo "test.sh: the shared test models are missing: expected ../shared/models beside this repository" >&2
  exit 1
fi
for tool in java mvn node npm python3; do
  command -v "$tool" >/dev/null || { echo "test.sh: '$tool' is required on PATH" >&2; exit 1; }
done
# boto3 drives the server from Python (runtime/src/test/python): Debian's python3-boto3, installed when missing.
apt_install() {
  "$@" apt-get install -y python3-boto3 || { "$@" apt-get update && "$@" apt-get install -y python3-boto3; } || true
}
if ! python3 -c 'import boto3' 2>/dev/null; then
  echo "test.sh: installing Debian's python3-boto3 for the boto3 end-to-end tests" >&2
  if [ "$(id -u)" = 0 ]; then
    apt_install env
  elif command -v sudo >/dev/null && sudo -n true 2>/dev/null; then
    apt_install sudo -n
  fi
  python3 -c 'import boto3' 2>/dev/null || {
    echo "test.sh: python3 with boto3 is required: install Debian's python3-boto3 (apt-get install python3-boto3)" >&2
    exit 1
  }
fi
exec mvn -B -ntp verify "$@"
