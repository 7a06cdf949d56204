#!/usr/bin/env bash
# Runs the repeatable benchmarks (not tests) and prints their markdown reports.
#
#   deploy/bench.sh [MODULE] [-Dbench.rounds=N ...]
#
# MODULE defaults to model-store. Each benchmark compares against a baseline in the same JVM and run;
# results land in MODULE/target/benchmarks/*.md, to be copied into docs/benchmarks.md with the machine.
set -euo pipefail
source "$(cd -- "$(dirname -- "${BASH_SOURCE[0]}")" && pwd -P)/lib/common.sh"

module=model-store
if [[ $# -gt 0 && $1 != -* ]]; then
  module=$1
  shift
fi
cd -- "$REPO_ROOT"
mkdir -p -- "$module/target"
JAVA_HOME=$(java_home) ./mvnw -B -q -pl "$module" -am verify \
  -Dtest=none -Dsurefire.failIfNoSpecifiedTests=false \
  -Dit.test='*Benchmark' -Dfailsafe.failIfNoSpecifiedTests=false \
  -DargLine="-Xmx4g" "$@" >"$REPO_ROOT/$module/target/bench-maven.log" 2>&1 \
  || { tail -n 60 "$REPO_ROOT/$module/target/bench-maven.log" >&2; exit 1; }
cat -- "$module"/target/benchmarks/*.md
