#!/usr/bin/env bash
# js-ipfs node (npm ipfs@0.66.1, pinned in deploy/ipfs/package-lock.json), offline, 127.0.0.1 only.
#
#   deploy/ipfs.sh install         npm ci in deploy/ipfs when node_modules is missing
#   deploy/ipfs.sh start WORKDIR   install if needed, init/configure WORKDIR/repo, start the daemon
#                                  in the background and print (stdout, nothing else):
#                                    IPFS_API=http://127.0.0.1:PORT
#                                    PID=...
#   deploy/ipfs.sh stop WORKDIR    stop the daemon whose pid file is WORKDIR/pid
#
# Environment (all optional):
#   IPFS_API_PORT, IPFS_GATEWAY_PORT, IPFS_SWARM_PORT   fixed ports (default: free ports)
#   IPFS_START_TIMEOUT                                   seconds to wait for the API (default 60)
#
# Files in WORKDIR: repo/ (IPFS_PATH; reused on the next start), ipfs.log, pid,
# gateway.url (read-only HTTP gateway, http://127.0.0.1:PORT).
set -euo pipefail

# shellcheck source=lib/common.sh
source "$(cd -- "$(dirname -- "${BASH_SOURCE[0]}")" && pwd -P)/lib/common.sh"

IPFS_PKG_DIR=$DEPLOY_DIR/ipfs
JSIPFS=$IPFS_PKG_DIR/node_modules/.bin/jsipfs

usage() {
  echo "usage: $(basename -- "$0") install | start WORKDIR | stop WORKDIR" >&2
  exit 2
}

cmd_install() {
  if [[ -x $JSIPFS ]]; then
    return 0
  fi
  command -v npm >/dev/null || die "npm is not installed"
  log "installing js-ipfs into $IPFS_PKG_DIR (npm ci)"
  # --ignore-scripts: none of the 4 install scripts in the tree is needed on Node (classic-level
  # ships prebuilt binaries); npm 11 skips them anyway unless approved, older npm would run them.
  (cd -- "$IPFS_PKG_DIR" && npm ci --ignore-scripts --no-audit --no-fund) >&2 \
    || die "npm ci failed in $IPFS_PKG_DIR"
  [[ -x $JSIPFS ]] || die "npm ci finished but $JSIPFS is missing"
}

# Node options for every jsipfs call: Promise.withResolvers polyfill (Node 20).
node_env() {
  export NODE_OPTIONS="${NODE_OPTIONS:+$NODE_OPTIONS }--require \"$IPFS_PKG_DIR/polyfill.cjs\""
  # Never let debug/monitoring switches open extra listeners.
  unset IPFS_MONITORING
}

# configure_repo REPO API_PORT GATEWAY_PORT SWARM_PORT
configure_repo() {
  node - "$1/config" "$2" "$3" "$4" <<'JS'
const fs = require('fs');
const [file, api, gateway, swarm] = process.argv.slice(2);
const c = JSON.parse(fs.readFileSync(file, 'utf8'));
c.Addresses = {
  Swarm: [`/ip4/127.0.0.1/tcp/${swarm}`],   // TCP only: no websocket / webrtc-star listeners
  Announce: [],
  NoAnnounce: [],
  API: `/ip4/127.0.0.1/tcp/${api}`,
  Gateway: `/ip4/127.0.0.1/tcp/${gateway}`,
  // no RPC entry: the daemon then starts no gRPC-over-websocket server (default port 5003)
  Delegates: [],
};
c.Bootstrap = [];
c.Discovery = { MDNS: { Enabled: false, Interval: 10 }, webRTCStar: { Enabled: false } };
c.Routing = { Type: 'none' };
c.Swarm = Object.assign({}, c.Swarm, { DisableNatPortMap: true });
c.Pubsub = Object.assign({}, c.Pubsub, { Enabled: false });
fs.writeFileSync(file + '.tmp', JSON.stringify(c, null, 2));
fs.renameSync(file + '.tmp', file);
JS
}

cmd_start() {
  local workdir=$1
  mkdir -p -- "$workdir"
  workdir=$(cd -- "$workdir" && pwd -P)
  local pidfile=$workdir/pid logfile=$workdir/ipfs.log repo=$workdir/repo

  if [[ -f $pidfile ]]; then
    local old
    old=$(tr -dc '0-9' <"$pidfile")
    if [[ -n $old ]] && kill -0 "$old" 2>/dev/null; then
      die "already running in $workdir (pid $old); run: $0 stop $workdir"
    fi
    rm -f -- "$pidfile"
  fi

  cmd_install
  command -v node >/dev/null || die "node is not installed"
  node_env
  export IPFS_PATH=$repo

  if [[ ! -f $repo/config ]]; then
    rm -rf -- "$repo"
    "$JSIPFS" init --profile test >"$workdir/init.log" 2>&1 \
      || { cat -- "$workdir/init.log" >&2; die "jsipfs init failed (see $workdir/init.log)"; }
  fi
  # A daemon killed with SIGKILL leaves its lock and api file behind.
  rm -rf -- "$repo/repo.lock" "$repo/api"

  local api_port gw_port swarm_port
  api_port=${IPFS_API_PORT:-$(free_port)}
  gw_port=${IPFS_GATEWAY_PORT:-$(free_port)}
  swarm_port=${IPFS_SWARM_PORT:-$(free_port)}
  while [[ $gw_port == "$api_port" ]]; do gw_port=$(free_port); done
  while [[ $swarm_port == "$api_port" || $swarm_port == "$gw_port" ]]; do swarm_port=$(free_port); done
  local p
  for p in "$api_port" "$gw_port" "$swarm_port"; do
    port_free "$p" || die "port 127.0.0.1:$p is already in use"
  done
  configure_repo "$repo" "$api_port" "$gw_port" "$swarm_port"

  # --offline: no dialing; --enable-preload=false: otherwise every add is announced over HTTPS
  # to node*.preload.ipfs.io (preload is on by default in the daemon, --offline does not stop it).
  setsid bash -c 'echo $$ >"$1"; shift; exec "$@"' _ "$pidfile" \
    "$JSIPFS" daemon --offline --enable-preload=false \
    </dev/null >"$logfile" 2>&1 &
  local launcher=$!

  local pid="" i
  for ((i = 0; i < 50; i++)); do
    [[ -s $pidfile ]] && pid=$(tr -dc '0-9' <"$pidfile")
    [[ -n $pid ]] && break
    sleep 0.05
  done
  [[ -n $pid ]] || pid=$launcher
  echo "$pid" >"$pidfile"

  local timeout=${IPFS_START_TIMEOUT:-60}
  if ! wait_http "http://127.0.0.1:$api_port/api/v0/id" "$timeout" "$pid" POST; then
    stop_pidfile "$pidfile"
    {
      echo "$(basename -- "$0"): js-ipfs did not come up on 127.0.0.1:$api_port within $timeout s; last lines of $logfile:"
      tail -n 20 -- "$logfile" 2>/dev/null | sed 's/^/  /'
    } >&2
    exit 1
  fi
  echo "http://127.0.0.1:$gw_port" >"$workdir/gateway.url"

  echo "IPFS_API=http://127.0.0.1:$api_port"
  echo "PID=$pid"
}

cmd_stop() {
  local workdir=$1
  [[ -d $workdir ]] || return 0
  stop_pidfile "$workdir/pid"
}

case ${1:-} in
  install) [[ $# -eq 1 ]] || usage; cmd_install ;;
  start) [[ $# -eq 2 ]] || usage; cmd_start "$2" ;;
  stop) [[ $# -eq 2 ]] || usage; cmd_stop "$2" ;;
  *) usage ;;
esac
