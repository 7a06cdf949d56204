# shellcheck shell=bash
# Helpers sourced by the deploy/ scripts. Everything here is loopback-only (127.0.0.1).
#
#   free_port               print a TCP port on 127.0.0.1 that the kernel says is free
#   port_free PORT          0 if PORT can be bound on 127.0.0.1 right now
#   wait_http URL TIMEOUT_S [PID] [METHOD]
#                           poll URL until it answers any HTTP status (0 if it did);
#                           gives up early if PID (when given) has died
#   is_alive PID            0 if PID exists and is not a zombie
#   stop_pidfile FILE       TERM the process (and its descendants) named in FILE, wait up to
#                           ~10 s, then KILL; removes FILE; idempotent
#   java_home               print a JDK home of version 21+ (Temurin 25 preferred)
#   die MSG...              print MSG on stderr and exit 1

# Directory holding deploy/ (parent of lib/), and the repository root above it.
DEPLOY_DIR="$(cd -- "$(dirname -- "${BASH_SOURCE[0]}")/.." && pwd -P)"
REPO_ROOT="$(cd -- "$DEPLOY_DIR/.." && pwd -P)"

die() {
  echo "$(basename -- "$0"): $*" >&2
  exit 1
}

log() {
  echo "$(basename -- "$0"): $*" >&2
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
# like the servers do; a port in LISTEN state still fails to bind, TIME_WAIT leftovers do not
s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
try:
    s.bind(("127.0.0.1", int(sys.argv[1])))
except OSError:
    sys.exit(1)
finally:
    s.close()
PY
}

# wait_http URL TIMEOUT_S [PID] [METHOD]
wait_http() {
  local url=$1 timeout=$2 pid=${3:-} method=${4:-GET}
  local deadline=$((SECONDS + timeout))
  while ((SECONDS < deadline)); do
    if [[ -n $pid ]] && ! is_alive "$pid"; then
      return 1
    fi
    # Any HTTP status (even 4xx/5xx) means the server is listening and answering.
    local code
    code=$(curl -s -o /dev/null -w '%{http_code}' --noproxy '*' -X "$method" \
      --connect-timeout 1 --max-time 2 "$url" 2>/dev/null) || true
    if [[ -n $code && $code != 000 ]]; then
      return 0
    fi
    sleep 0.1
  done
  return 1
}

# is_alive PID: the process exists and is not a zombie
is_alive() {
  local st
  kill -0 "$1" 2>/dev/null || return 1
  st=$(ps -o stat= -p "$1" 2>/dev/null) || return 1
  [[ -n $st && $st != Z* ]]
}

# All descendants of a PID (children first listed after their parent).
_descendants() {
  local pid=$1 child
  for child in $(ps -o pid= --ppid "$pid" 2>/dev/null); do
    echo "$child"
    _descendants "$child"
  done
}

stop_pidfile() {
  local file=$1
  [[ -f $file ]] || return 0
  local pid
  pid=$(tr -dc '0-9' <"$file")
  if [[ -z $pid ]] || ! is_alive "$pid"; then
    rm -f -- "$file"
    return 0
  fi
  local pids
  pids="$pid $(_descendants "$pid" | tr '\n' ' ')"
  # shellcheck disable=SC2086
  kill -TERM $pids 2>/dev/null || true
  local i alive
  for ((i = 0; i < 100; i++)); do
    alive=""
    for p in $pids; do
      is_alive "$p" && alive="$alive $p"
    done
    [[ -z $alive ]] && break
    sleep 0.1
  done
  if [[ -n $alive ]]; then
    # shellcheck disable=SC2086
    kill -KILL $alive 2>/dev/null || true
    sleep 0.2
  fi
  rm -f -- "$file"
}

_java_major() {
  # prints the major version of the java binary in $1/bin/java, or nothing
  local home=$1 v
  [[ -x $home/bin/java ]] || return 0
  v=$("$home/bin/java" -XshowSettings:properties -version 2>&1 | awk -F'= ' '/java.specification.version/ {print $2; exit}')
  echo "${v%%.*}"
}

java_home() {
  local pref=/usr/lib/jvm/temurin-25-jdk-amd64
  if [[ -x $pref/bin/java ]]; then
    echo "$pref"
    return 0
  fi
  if [[ -n ${JAVA_HOME:-} ]]; then
    local major
    major=$(_java_major "$JAVA_HOME")
    if [[ -n $major && $major -ge 21 ]]; then
      echo "$JAVA_HOME"
      return 0
    fi
  fi
  die "no JDK 21+ found (need $pref or JAVA_HOME pointing at JDK 21+)"
}
