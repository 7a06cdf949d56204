# shellcheck shell=bash
# Helpers sourced by the deploy/ scripts (bash, set -euo pipefail). Loopback (127.0.0.1) only.
#
#   free_port                 print a TCP port on 127.0.0.1 that the kernel says is free
#   port_free PORT            0 if PORT can be bound on 127.0.0.1 right now
#   wait_http URL TIMEOUT_S [PID] [METHOD] [STATUS]
#                             poll URL until it answers with any HTTP status, or STATUS when given
#                             (0), or TIMEOUT_S passes (1); gives up at once (2) if PID, when given,
#                             has died
#   is_alive PID              0 if PID exists and is not a zombie
#   running_pid PIDFILE DIR   print the PID in PIDFILE if that process is alive and runs in DIR
#                             (its cwd; guards against a stale pid file naming a reused PID)
#   spawn_bg PIDFILE LOG DIR CMD...
#                             run CMD in a new session with cwd DIR, stdin /dev/null, stdout+stderr
#                             to LOG; write its PID to PIDFILE and print it
#   stop_pidfile PIDFILE [DIR]
#                             TERM the process in PIDFILE, its descendants and its session, wait up
#                             to ~10 s, then KILL; remove PIDFILE; idempotent
#   await_start NAME URL TIMEOUT_S PIDFILE LOG [METHOD] [STATUS]
#                             wait until URL answers (with STATUS, when given); on failure stop what PIDFILE names, print why
#                             (exited vs. timed out) with the end of LOG, and exit 1
#   stop_workdir WORKDIR      stop the service a start command recorded in WORKDIR/pid (idempotent)
#   java_home                 print a JDK home of version 21+ (Temurin 25 preferred)
#   die MSG... / log MSG...   message on stderr (die exits 1)

# deploy/ (parent of lib/) and the repository root above it, wherever the caller's cwd is.
# shellcheck disable=SC2034 # used by the scripts that source this file
DEPLOY_DIR="$(cd -- "$(dirname -- "${BASH_SOURCE[0]}")/.." && pwd -P)"
# shellcheck disable=SC2034
REPO_ROOT="$(cd -- "$DEPLOY_DIR/.." && pwd -P)"

die() {
  echo "$(basename -- "$0"): $*" >&2
  exit 1
}

log() {
  echo "$(basename -- "$0"): $*" >&2
}

# ensure_commands CMD:PACKAGE...: apt-get installs the Debian package of each command that is not on PATH (a fresh
# machine of this project's kind has neither redis-server nor node). Needs root when something is missing.
ensure_commands() {
  local pair missing=()
  for pair in "$@"; do
    command -v "${pair%%:*}" >/dev/null || missing+=("${pair#*:}")
  done
  ((${#missing[@]})) || return 0
  command -v apt-get >/dev/null || die "missing ${missing[*]} and no apt-get to install them"
  log "installing ${missing[*]}"
  apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "${missing[@]}" >&2
}

free_port() {
  python3 - <<'PY'
import socket
s = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
s.bind(("127.0.0.1", 0))
print(s.getsockname()[1])
s.close()
PY
}

port_free() {
  python3 - "$1" <<'PY'
import socket, sys
s = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
# as the servers do: a port in LISTEN state still fails to bind, TIME_WAIT leftovers do not
s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
try:
    s.bind(("127.0.0.1", int(sys.argv[1])))
except OSError:
    sys.exit(1)
finally:
    s.close()
PY
}

is_alive() {
  local st
  kill -0 "$1" 2>/dev/null || return 1
  st=$(ps -o stat= -p "$1" 2>/dev/null) || return 1
  [[ -n $st && $st != Z* ]]
}

wait_http() {
  local url=$1 timeout=$2 pid=${3:-} method=${4:-GET} expect=${5:-}
  local deadline=$((SECONDS + timeout)) code
  while :; do
    if [[ -n $pid ]] && ! is_alive "$pid"; then
      return 2
    fi
    # Any HTTP status (even 4xx/5xx) means the server is listening and answering.
    code=$(curl -s -o /dev/null -w '%{http_code}' --noproxy '*' -X "$method" \
      --connect-timeout 1 --max-time 2 "$url" 2>/dev/null) || true
    if [[ -n $code && $code != 000 && ( -z $expect || $code == "$expect" ) ]]; then
      return 0
    fi
    ((SECONDS < deadline)) || return 1
    sleep 0.1
  done
}

running_pid() {
  local file=$1 dir=$2 pid cwd
  [[ -f $file ]] || return 1
  pid=$(tr -dc '0-9' <"$file")
  [[ -n $pid ]] && is_alive "$pid" || return 1
  cwd=$(readlink -- "/proc/$pid/cwd" 2>/dev/null) || cwd=""
  cwd=${cwd% (deleted)}
  # without /proc access (other user) trust the pid file
  [[ -z $cwd || $cwd == "$dir" ]] || return 1
  echo "$pid"
}

spawn_bg() {
  local pidfile=$1 logfile=$2 dir=$3
  shift 3
  rm -f -- "$pidfile"
  # The inner shell writes its own PID and then execs CMD, so PIDFILE names CMD itself.
  # Redirecting stdout/stderr matters: $(script start ...) must not wait for the daemon's pipes.
  # shellcheck disable=SC2016 # expanded by the inner shell
  setsid bash -c 'echo $$ >"$1"; cd -- "$2" || exit 1; shift 2; exec "$@"' _ "$pidfile" "$dir" "$@" \
    </dev/null >"$logfile" 2>&1 &
  local launcher=$! pid="" i
  for ((i = 0; i < 100; i++)); do
    [[ -s $pidfile ]] && pid=$(tr -dc '0-9' <"$pidfile")
    [[ -n $pid ]] && break
    sleep 0.02
  done
  if [[ -z $pid ]]; then
    pid=$launcher
    echo "$pid" >"$pidfile"
  fi
  echo "$pid"
}

# PID, its descendants, and every process in the session it leads (spawn_bg uses setsid).
_process_tree() {
  local pid=$1
  {
    echo "$pid"
    _descendants "$pid"
    ps -eo pid=,sid= 2>/dev/null | awk -v s="$pid" '$2 == s { print $1 }'
  } | sort -un
}

_descendants() {
  local child
  for child in $(ps -o pid= --ppid "$1" 2>/dev/null); do
    echo "$child"
    _descendants "$child"
  done
}

stop_pidfile() {
  local file=$1 dir=${2:-} pid
  [[ -f $file ]] || return 0
  if [[ -n $dir ]]; then
    pid=$(running_pid "$file" "$dir") || pid=""
  else
    pid=$(tr -dc '0-9' <"$file")
    [[ -n $pid ]] && is_alive "$pid" || pid=""
  fi
  if [[ -z $pid ]]; then
    rm -f -- "$file"
    return 0
  fi
  local pids p alive="" i
  pids=$(_process_tree "$pid" | tr '\n' ' ')
  # shellcheck disable=SC2086
  kill -TERM $pids 2>/dev/null || true
  for ((i = 0; i < 100; i++)); do
    alive=""
    for p in $pids; do
      if is_alive "$p"; then alive="$alive $p"; fi
    done
    [[ -z $alive ]] && break
    sleep 0.1
  done
  if [[ -n $alive ]]; then
    log "pid(s)$alive did not stop within 10 s after SIGTERM; sending SIGKILL"
    # shellcheck disable=SC2086
    kill -KILL $alive 2>/dev/null || true
    sleep 0.2
  fi
  rm -f -- "$file"
}

_java_major() {
  local v
  [[ -x $1/bin/java ]] || return 0
  v=$("$1/bin/java" -XshowSettings:properties -version 2>&1 \
    | awk -F'= ' '/java.specification.version/ { print $2; exit }')
  echo "${v%%.*}"
}

java_home() {
  local pref=/usr/lib/jvm/temurin-25-jdk-amd64 major
  if [[ -x $pref/bin/java ]]; then
    echo "$pref"
    return 0
  fi
  if [[ -n ${JAVA_HOME:-} ]]; then
    major=$(_java_major "$JAVA_HOME")
    if [[ -n $major && $major -ge 21 ]]; then
      echo "$JAVA_HOME"
      return 0
    fi
  fi
  die "no JDK 21+ found (need $pref, or JAVA_HOME pointing at a JDK 21+)"
}

await_start() {
  local name=$1 url=$2 timeout=$3 pidfile=$4 logfile=$5 method=${6:-GET} expect=${7:-} rc=0 pid
  pid=$(tr -dc '0-9' <"$pidfile")
  wait_http "$url" "$timeout" "$pid" "$method" "$expect" || rc=$?
  ((rc == 0)) && return 0
  stop_pidfile "$pidfile"
  {
    if ((rc == 2)); then
      echo "$(basename -- "$0"): $name exited during startup; last lines of $logfile:"
    else
      echo "$(basename -- "$0"): $name did not answer on $url within $timeout s (stopped it); last lines of $logfile:"
    fi
    tail -n 20 -- "$logfile" 2>/dev/null | sed 's/^/  /'
  } >&2
  exit 1
}

stop_workdir() {
  local workdir=$1
  [[ -d $workdir ]] || return 0
  workdir=$(cd -- "$workdir" && pwd -P)
  stop_pidfile "$workdir/pid" "$workdir"
}
