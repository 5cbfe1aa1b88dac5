#!/usr/bin/env bash
# Runs the whole test suite: prepares the local databases (idempotent), then builds every module
# and runs its tests. Fails if a test fails or heliosdb-io's line coverage is below 90 %.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/prepare-databases.sh
mvn -B verify "$@"
