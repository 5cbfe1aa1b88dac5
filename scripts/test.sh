#!/usr/bin/env bash
# Runs the whole test suite: checks the documentation's links, prepares the local databases
# (idempotent; see README.md for what it changes), then builds every module and runs its tests,
# then runs the snapshot and CDC tests on further PostgreSQL versions
# (scripts/test-postgres-versions.sh). Fails if a test fails or heliosdb-io's line coverage is
# below 90 %.
# The expansion-service profile also builds examples/target/heliosdb-io-expansion-service-*.jar
# and tests it (ExpansionServiceJarIT; together about 35 s on 2026-12-02).
# Then scripts/consumer-check.sh builds a user's project that reads PostgreSQL with heliosdb-io
# against a fresh local repository and checks its dependency tree (33 s on 2026-12-02).
set -euo pipefail
cd "$(dirname "$0")/.."
python3 scripts/check-docs.py
bash scripts/prepare-databases.sh
mvn -B verify -Pexpansion-service "$@"
bash scripts/consumer-check.sh
bash scripts/test-postgres-versions.sh
