#!/usr/bin/env bash
# Runs the whole test suite: prepares the local databases (idempotent), then builds every module
# and runs its tests. Fails if a test fails or heliosdb-io's line coverage is below 90 %.
# The expansion-service profile also builds examples/target/heliosdb-io-expansion-service-*.jar
# and tests it (ExpansionServiceJarIT; together about 35 s on 2026-12-02).
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/prepare-databases.sh
mvn -B verify -Pexpansion-service "$@"
