#!/usr/bin/env bash
# The functions gateway (Quarkus, packaged jar) on 127.0.0.1 only.
#
#   deploy/gateway.sh start WORKDIR   start in the background and wait until it is ready; print on stdout exactly:
#                                       GATEWAY_URL=http://127.0.0.1:PORT
#                                       PID=...
#   deploy/gateway.sh stop WORKDIR    stop the instance recorded in WORKDIR/pid (idempotent)
#
# Environment:
#   INFERMESH_GATEWAY_REDIS_URL          redis://127.0.0.1:PORT (deploy/redis.sh prints it)          required
#   INFERMESH_GATEWAY_STORE_S3_ENDPOINT  S3 endpoint (deploy/s3.sh prints it)                         required
#   INFERMESH_GATEWAY_STORE_S3_ACCESS_KEY, INFERMESH_GATEWAY_STORE_S3_SECRET_KEY
#   INFERMESH_GATEWAY_*                  any other gateway setting (README "Gateway configuration")
#   GATEWAY_PORT        port (default: a free port chosen by the kernel)
#   GATEWAY_JAR         quarkus-run.jar (default functions/target/quarkus-app/quarkus-run.jar; build it with
#                       ./mvnw -B -pl functions -am package -DskipTests)
#   GATEWAY_JAVA_OPTS   JVM options (default -Xmx512m)
#   GATEWAY_START_TIMEOUT  seconds to wait for readiness (default 60)
#
# Files in WORKDIR: gateway.log, pid.
set -euo pipefail

# shellcheck source=lib/common.sh
source "$(cd -- "$(dirname -- "${BASH_SOURCE[0]}")" && pwd -P)/lib/common.sh"

usage() {
  echo "usage: $(basename -- "$0") start WORKDIR | stop WORKDIR" >&2
  exit 2
}

cmd_start() {
  local workdir=$1
  mkdir -p -- "$workdir"
  workdir=$(cd -- "$workdir" && pwd -P)
  local pidfile=$workdir/pid logfile=$workdir/gateway.log old
  if old=$(running_pid "$pidfile" "$workdir"); then
    die "already running in $workdir (pid $old); stop it first: $0 stop $workdir"
  fi
  rm -f -- "$pidfile"
  [[ -n ${INFERMESH_GATEWAY_REDIS_URL:-} ]] || die "INFERMESH_GATEWAY_REDIS_URL is not set (start Redis: deploy/redis.sh start DIR)"
  [[ -n ${INFERMESH_GATEWAY_STORE_S3_ENDPOINT:-} ]] || die "INFERMESH_GATEWAY_STORE_S3_ENDPOINT is not set (start S3: deploy/s3.sh start DIR)"

  local jar=${GATEWAY_JAR:-$REPO_ROOT/functions/target/quarkus-app/quarkus-run.jar}
  [[ -f $jar ]] || die "$jar is missing; build it: ./mvnw -B -pl functions -am package -DskipTests"
  local jhome port
  jhome=$(java_home)
  port=${GATEWAY_PORT:-$(free_port)}
  port_free "$port" || die "port 127.0.0.1:$port is already in use"

  local pid timeout=${GATEWAY_START_TIMEOUT:-60}
  # shellcheck disable=SC2086
  pid=$(spawn_bg "$pidfile" "$logfile" "$workdir" \
    "$jhome/bin/java" ${GATEWAY_JAVA_OPTS:--Xmx512m} \
    -Dquarkus.http.host=127.0.0.1 -Dquarkus.http.port="$port" \
    -jar "$jar")
  await_start gateway "http://127.0.0.1:$port/v2/health/ready" "$timeout" "$pidfile" "$logfile" GET 200

  echo "GATEWAY_URL=http://127.0.0.1:$port"
  echo "PID=$pid"
}

[[ $# -eq 2 ]] || usage
case $1 in
  start) cmd_start "$2" ;;
  stop) stop_workdir "$2" ;;
  *) usage ;;
esac
