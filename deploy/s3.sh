#!/usr/bin/env bash
# S3Proxy (org.gaul:s3proxy:4.1.0, filesystem-nio2 backend) on 127.0.0.1 only.
#
#   deploy/s3.sh start WORKDIR   start in the background; on success print on stdout exactly:
#                                  S3_ENDPOINT=http://127.0.0.1:PORT
#                                  S3_ACCESS_KEY=...
#                                  S3_SECRET_KEY=...
#                                  PID=...
#   deploy/s3.sh stop WORKDIR    stop the instance recorded in WORKDIR/pid (idempotent)
#
# Environment (all optional):
#   S3_PORT           port to listen on (default: a free port chosen by the kernel)
#   S3_ACCESS_KEY     identity   (default infermesh)
#   S3_SECRET_KEY     credential (default infermesh-secret)
#   S3PROXY_JAR       path of s3proxy-4.1.0-jar-with-dependencies.jar (default: the local Maven
#                     repository; fetched with <repo>/mvnw dependency:get when missing)
#   S3_START_TIMEOUT  seconds to wait for the port to answer (default 30)
#   S3_JAVA_OPTS      JVM options (default -Xmx512m)
#   S3_IGNORE_UNKNOWN_HEADERS  true|false (default false: unsupported x-amz-* request headers are
#                     answered 501 NotImplemented; MinIO Java SDK 8.5/9.0 does not need true)
#   S3_EXTRA_PROPERTIES  lines appended to s3proxy.properties (e.g. s3proxy.cors-allow-all=true)
#
# Files in WORKDIR: data/ (one directory per bucket, objects as files), s3proxy.properties,
# s3proxy.log, pid. Data survives stop/start.
set -euo pipefail

# shellcheck source=lib/common.sh
source "$(cd -- "$(dirname -- "${BASH_SOURCE[0]}")" && pwd -P)/lib/common.sh"

S3PROXY_VERSION=4.1.0

usage() {
  echo "usage: $(basename -- "$0") start WORKDIR | stop WORKDIR" >&2
  exit 2
}

s3proxy_jar() {
  local jar=${S3PROXY_JAR:-}
  if [[ -n $jar ]]; then
    [[ -f $jar ]] || die "S3PROXY_JAR=$jar does not exist"
    echo "$jar"
    return 0
  fi
  local m2=$HOME/.m2/repository
  jar="$m2/org/gaul/s3proxy/$S3PROXY_VERSION/s3proxy-$S3PROXY_VERSION-jar-with-dependencies.jar"
  if [[ ! -f $jar ]]; then
    log "fetching org.gaul:s3proxy:$S3PROXY_VERSION:jar:jar-with-dependencies with $REPO_ROOT/mvnw"
    # maven.repo.local: Maven derives ~ from the passwd entry, not $HOME; put it where we look.
    (cd -- "$REPO_ROOT" && JAVA_HOME="$(java_home)" ./mvnw -q dependency:get -Dmaven.repo.local="$m2" \
      -Dartifact="org.gaul:s3proxy:$S3PROXY_VERSION:jar:jar-with-dependencies" -Dtransitive=false) >&2 \
      || die "could not fetch s3proxy with $REPO_ROOT/mvnw"
    [[ -f $jar ]] || die "mvnw finished but $jar is missing"
  fi
  echo "$jar"
}

cmd_start() {
  local workdir=$1
  mkdir -p -- "$workdir"
  workdir=$(cd -- "$workdir" && pwd -P)
  local pidfile=$workdir/pid logfile=$workdir/s3proxy.log props=$workdir/s3proxy.properties old
  if old=$(running_pid "$pidfile" "$workdir"); then
    die "already running in $workdir (pid $old); stop it first: $0 stop $workdir"
  fi
  rm -f -- "$pidfile"

  if grep -Eq '^[[:space:]]*s3proxy\.(endpoint|secure-endpoint|metrics\.)' <<<"${S3_EXTRA_PROPERTIES:-}"; then
    die "S3_EXTRA_PROPERTIES must not change the endpoint or open other listeners"
  fi

  local jhome jar port access secret
  jhome=$(java_home)
  jar=$(s3proxy_jar)
  port=${S3_PORT:-$(free_port)}
  port_free "$port" || die "port 127.0.0.1:$port is already in use"
  access=${S3_ACCESS_KEY:-infermesh}
  secret=${S3_SECRET_KEY:-infermesh-secret}
  mkdir -p -- "$workdir/data"

  # Owner-only (it holds the secret). Only the plain-HTTP loopback endpoint: no
  # s3proxy.secure-endpoint, no metrics listener.
  (
    umask 077
    cat >"$props" <<PROPS
s3proxy.endpoint=http://127.0.0.1:$port
s3proxy.authorization=aws-v2-or-v4
s3proxy.identity=$access
s3proxy.credential=$secret
s3proxy.ignore-unknown-headers=${S3_IGNORE_UNKNOWN_HEADERS:-false}
jclouds.provider=filesystem-nio2
jclouds.identity=$access
jclouds.credential=$secret
jclouds.filesystem.basedir=$workdir/data
PROPS
    if [[ -n ${S3_EXTRA_PROPERTIES:-} ]]; then
      printf '%s\n' "$S3_EXTRA_PROPERTIES" >>"$props"
    fi
  )

  local pid timeout=${S3_START_TIMEOUT:-30}
  # shellcheck disable=SC2086
  pid=$(spawn_bg "$pidfile" "$logfile" "$workdir" \
    "$jhome/bin/java" ${S3_JAVA_OPTS:--Xmx512m} -jar "$jar" --properties "$props")
  await_start S3Proxy "http://127.0.0.1:$port/" "$timeout" "$pidfile" "$logfile"

  echo "S3_ENDPOINT=http://127.0.0.1:$port"
  echo "S3_ACCESS_KEY=$access"
  echo "S3_SECRET_KEY=$secret"
  echo "PID=$pid"
}

[[ $# -eq 2 ]] || usage
case $1 in
  start) cmd_start "$2" ;;
  stop) stop_workdir "$2" ;;
  *) usage ;;
esac
