#!/usr/bin/env python3
"""Prints heliosdb-io's JaCoCo line coverage (AutoValue output excluded, as the gate does)."""
import csv
import pathlib
import sys

report = pathlib.Path(__file__).resolve().parent.parent / "heliosdb-io/target/site/jacoco/jacoco.csv"
if not report.exists():
    sys.exit(f"no coverage report at {report}")
covered = missed = 0
for row in csv.DictReader(report.open()):
    if row["CLASS"].startswith("AutoValue_"):
        continue
    covered += int(row["LINE_COVERED"])
    missed += int(row["LINE_MISSED"])
print(f"heliosdb-io line coverage: {100 * covered / (covered + missed):.1f} % "
      f"({covered} of {covered + missed} lines; the build fails below 90 %)")
