#!/usr/bin/env bash
# Redis (Debian redis-server 7.x) on 127.0.0.1 only, durable: AOF with appendfsync always.
#
#   deploy/redis.sh start WORKDIR   start in the background; on success print on stdout exactly:
#                                     REDIS_URL=redis://127.0.0.1:PORT
#                                     PID=...
#   deploy/redis.sh stop WORKDIR    stop the instance recorded in WORKDIR/pid (idempotent; SIGTERM makes
#                                   Redis fsync the AOF and exit)
#
# Environment (all optional):
#   REDIS_PORT            port to listen on (default: a free port chosen by the kernel)
#   REDIS_SERVER          the redis-server binary (default: redis-server on PATH)
#   REDIS_START_TIMEOUT   seconds to wait for PING to answer PONG (default 20; loading a big AOF takes longer)
#
# Files in WORKDIR: redis.conf (rewritten on every start), appendonlydir/ (the AOF: base + incremental files
# + manifest), redis.log, pid. No RDB snapshots (save ""). Data survives stop/start and kill -9: every write
# is fsynced before Redis answers it.
set -euo pipefail

# shellcheck source=lib/common.sh
source "$(cd -- "$(dirname -- "${BASH_SOURCE[0]}")" && pwd -P)/lib/common.sh"

usage() {
  echo "usage: $(basename -- "$0") start WORKDIR | stop WORKDIR" >&2
  exit 2
}

# PONG from 127.0.0.1:PORT (a server still loading its AOF answers LOADING, not PONG).
_pong() {
  [[ $(redis-cli -h 127.0.0.1 -p "$1" --no-auth-warning ping 2>/dev/null) == PONG ]]
}

cmd_start() {
  local workdir=$1
  mkdir -p -- "$workdir"
  workdir=$(cd -- "$workdir" && pwd -P)
  local pidfile=$workdir/pid logfile=$workdir/redis.log conf=$workdir/redis.conf old
  if old=$(running_pid "$pidfile" "$workdir"); then
    die "already running in $workdir (pid $old); stop it first: $0 stop $workdir"
  fi
  rm -f -- "$pidfile"

  local server=${REDIS_SERVER:-redis-server}
  command -v "$server" >/dev/null || die "$server not found; install it: apt-get install -y redis-server"
  command -v redis-cli >/dev/null || die "redis-cli not found; install it: apt-get install -y redis-tools"

  local port
  port=${REDIS_PORT:-$(free_port)}
  port_free "$port" || die "port 127.0.0.1:$port is already in use"

  # Loopback TCP only (no unix socket); protected mode stays on, which still admits loopback clients.
  # The daemon's stdout is redis.log (spawn_bg), so logfile "" logs there.
  cat >"$conf" <<CONF
bind 127.0.0.1
port $port
protected-mode yes
unixsocket ""
daemonize no
supervised no
logfile ""
dir $workdir
save ""
appendonly yes
appendfsync always
appenddirname appendonlydir
aof-use-rdb-preamble yes
CONF

  local pid deadline rc=0
  pid=$(spawn_bg "$pidfile" "$logfile" "$workdir" "$server" "$conf")
  deadline=$((SECONDS + ${REDIS_START_TIMEOUT:-20}))
  until _pong "$port"; do
    if ! is_alive "$pid"; then
      rc=2
      break
    fi
    if ((SECONDS >= deadline)); then
      rc=1
      break
    fi
    sleep 0.05
  done
  if ((rc != 0)); then
    stop_pidfile "$pidfile"
    {
      if ((rc == 2)); then
        echo "$(basename -- "$0"): redis-server exited during startup; last lines of $logfile:"
      else
        echo "$(basename -- "$0"): redis-server did not answer PING on 127.0.0.1:$port in time (stopped it); last lines of $logfile:"
      fi
      tail -n 20 -- "$logfile" 2>/dev/null | sed 's/^/  /'
    } >&2
    exit 1
  fi

  echo "REDIS_URL=redis://127.0.0.1:$port"
  echo "PID=$pid"
}

[[ $# -eq 2 ]] || usage
case $1 in
  start) cmd_start "$2" ;;
  stop) stop_workdir "$2" ;;
  *) usage ;;
esac
