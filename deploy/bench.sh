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
# The gateway benchmarks report the host's wake-up latency beside their own (it/.../WakeUpProbe).
[[ $module != it ]] || ensure_commands cyclictest:rt-tests taskset:util-linux
mkdir -p -- "$module/target"
# Only MODULE's benchmarks: the pattern names their package directories, so the modules built before it (-am)
# match none of theirs. A later -Dit.test=... among the arguments overrides it.
patterns=$(find "$module/src/test/java" -name '*Benchmark.java' -printf '%h\n' | sed "s|^$module/src/test/java/||" \
  | sort -u | sed 's|$|/*Benchmark|' | paste -sd, -)
[[ -n $patterns ]] || { echo "no *Benchmark classes in $module" >&2; exit 2; }
JAVA_HOME=$(java_home) ./mvnw -B -q -pl "$module" -am verify \
  -Dtest=none -Dsurefire.failIfNoSpecifiedTests=false \
  -Dit.test="$patterns" -Dfailsafe.failIfNoSpecifiedTests=false \
  -DargLine="-Xmx4g" "$@" >"$REPO_ROOT/$module/target/bench-maven.log" 2>&1 \
  || { tail -n 60 "$REPO_ROOT/$module/target/bench-maven.log" >&2; exit 1; }
cat -- "$module"/target/benchmarks/*.md
