#!/usr/bin/env bash
# The whole test suite: unit tests, engine numerics on the shared models, and the real AWS SDKs (Java, and
# JavaScript via the machine's node + npm, installed from runtime/src/test/js/package-lock.json) against the server.
set -euo pipefail
cd "$(dirname "$0")"
if [ ! -d ../shared/models ]; then
  echo "test.sh: the shared test models are missing: expected ../shared/models beside this repository" >&2
  exit 1
fi
for tool in java mvn node npm; do
  command -v "$tool" >/dev/null || { echo "test.sh: '$tool' is required on PATH" >&2; exit 1; }
done
exec mvn -B -ntp verify "$@"
