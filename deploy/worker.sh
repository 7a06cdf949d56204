#!/usr/bin/env bash
# The gpu-pool inference worker (Quarkus, packaged jar) on 127.0.0.1 only.
#
#   deploy/worker.sh start WORKDIR   start in the background and wait until it is ready; print on stdout exactly:
#                                      WORKER_GRPC=127.0.0.1:PORT      (inference.GRPCInferenceService)
#                                      WORKER_HTTP=http://127.0.0.1:PORT  (/q/health/*, /q/metrics)
#                                      PID=...
#   deploy/worker.sh stop WORKDIR    stop the instance recorded in WORKDIR/pid (idempotent)
#
# Environment (all optional):
#   WORKER_GRPC_PORT, WORKER_HTTP_PORT   ports (default: free ports chosen by the kernel)
#   WORKER_JAR          quarkus-run.jar to run (default gpu-pool/target/quarkus-app/quarkus-run.jar; build it with
#                       ./mvnw -B -pl gpu-pool -am package -DskipTests)
#   WORKER_JAVA_OPTS    JVM options (default -Xmx1g)
#   WORKER_START_TIMEOUT  seconds to wait for readiness (default 60)
#   INFERMESH_POOL_*    worker settings (README "Worker configuration"); INFERMESH_POOL_CACHE_DIR defaults to
#                       WORKDIR/cache
#
# Files in WORKDIR: worker.log, pid, cache/ (verified blobs and model folders; survives restarts).
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
  local pidfile=$workdir/pid logfile=$workdir/worker.log old
  if old=$(running_pid "$pidfile" "$workdir"); then
    die "already running in $workdir (pid $old); stop it first: $0 stop $workdir"
  fi
  rm -f -- "$pidfile"

  local jar=${WORKER_JAR:-$REPO_ROOT/gpu-pool/target/quarkus-app/quarkus-run.jar}
  [[ -f $jar ]] || die "$jar is missing; build it: ./mvnw -B -pl gpu-pool -am package -DskipTests"
  local jhome grpc_port http_port
  jhome=$(java_home)
  grpc_port=${WORKER_GRPC_PORT:-$(free_port)}
  http_port=${WORKER_HTTP_PORT:-$(free_port)}
  [[ $grpc_port != "$http_port" ]] || http_port=$(free_port)
  port_free "$grpc_port" || die "port 127.0.0.1:$grpc_port is already in use"
  port_free "$http_port" || die "port 127.0.0.1:$http_port is already in use"
  export INFERMESH_POOL_CACHE_DIR=${INFERMESH_POOL_CACHE_DIR:-$workdir/cache}

  local pid timeout=${WORKER_START_TIMEOUT:-60}
  # shellcheck disable=SC2086
  pid=$(spawn_bg "$pidfile" "$logfile" "$workdir" \
    "$jhome/bin/java" ${WORKER_JAVA_OPTS:--Xmx1g} --enable-native-access=ALL-UNNAMED -Dai.djl.offline=true \
    -Dquarkus.http.host=127.0.0.1 -Dquarkus.http.port="$http_port" \
    -Dquarkus.grpc.server.host=127.0.0.1 -Dquarkus.grpc.server.port="$grpc_port" \
    -jar "$jar")
  # Ready (200) = the start-up benchmark ran and preloaded models are loaded.
  await_start worker "http://127.0.0.1:$http_port/q/health/ready" "$timeout" "$pidfile" "$logfile" GET 200

  echo "WORKER_GRPC=127.0.0.1:$grpc_port"
  echo "WORKER_HTTP=http://127.0.0.1:$http_port"
  echo "PID=$pid"
}

[[ $# -eq 2 ]] || usage
case $1 in
  start) cmd_start "$2" ;;
  stop) stop_workdir "$2" ;;
  *) usage ;;
esac
