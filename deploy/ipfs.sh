#!/usr/bin/env bash
# js-ipfs node (npm ipfs@0.66.1, pinned by deploy/ipfs/package-lock.json): offline, 127.0.0.1 only.
#
#   deploy/ipfs.sh install         npm ci in deploy/ipfs when node_modules is missing
#   deploy/ipfs.sh start WORKDIR   install if needed, init/configure WORKDIR/repo, start the daemon
#                                  in the background; on success print on stdout exactly:
#                                    IPFS_API=http://127.0.0.1:PORT
#                                    PID=...
#   deploy/ipfs.sh stop WORKDIR    stop the daemon recorded in WORKDIR/pid (idempotent)
#
# Environment (all optional):
#   IPFS_API_PORT, IPFS_GATEWAY_PORT, IPFS_SWARM_PORT   fixed ports (default: free ports)
#   IPFS_START_TIMEOUT                                   seconds to wait for the API (default 60)
#
# Files in WORKDIR: repo/ (IPFS_PATH; kept, and reused by the next start), ipfs.log, init.log, pid,
# gateway.url (the read-only HTTP gateway, http://127.0.0.1:PORT).
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
  [[ -x $JSIPFS ]] && return 0
  command -v npm >/dev/null || die "npm is not installed"
  log "installing js-ipfs into $IPFS_PKG_DIR (npm ci)"
  # --ignore-scripts: none of the 4 install scripts in the tree is needed on Node (classic-level
  # ships prebuilt binaries); npm 11 skips them anyway unless approved, older npm would run them.
  (cd -- "$IPFS_PKG_DIR" && npm ci --ignore-scripts --no-audit --no-fund) >&2 \
    || die "npm ci failed in $IPFS_PKG_DIR"
  [[ -x $JSIPFS ]] || die "npm ci finished but $JSIPFS is missing"
}

# Node 20 lacks Promise.withResolvers, which js-ipfs' dependencies call.
node_env() {
  export NODE_OPTIONS="${NODE_OPTIONS:+$NODE_OPTIONS }--require \"$IPFS_PKG_DIR/polyfill.cjs\""
  # would add a Prometheus metrics endpoint
  unset IPFS_MONITORING
}

# configure_repo REPO API_PORT GATEWAY_PORT SWARM_PORT
configure_repo() {
  node - "$1/config" "$2" "$3" "$4" <<'JS'
const fs = require('fs');
const [file, api, gateway, swarm] = process.argv.slice(2);
const c = JSON.parse(fs.readFileSync(file, 'utf8'));
c.Addresses = {
  Swarm: [`/ip4/127.0.0.1/tcp/${swarm}`], // TCP only: no websocket / webrtc-star listeners
  Announce: [],
  NoAnnounce: [],
  API: `/ip4/127.0.0.1/tcp/${api}`,
  Gateway: `/ip4/127.0.0.1/tcp/${gateway}`,
  // no RPC entry: otherwise the daemon starts a gRPC-over-websocket server (init sets port 5003)
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
  local pidfile=$workdir/pid logfile=$workdir/ipfs.log repo=$workdir/repo old
  if old=$(running_pid "$pidfile" "$workdir"); then
    die "already running in $workdir (pid $old); stop it first: $0 stop $workdir"
  fi
  rm -f -- "$pidfile"

  cmd_install
  command -v node >/dev/null || die "node is not installed"
  node_env
  export IPFS_PATH=$repo

  if [[ ! -f $repo/config ]]; then
    rm -rf -- "$repo"
    "$JSIPFS" init --profile test >"$workdir/init.log" 2>&1 \
      || { sed 's/^/  /' -- "$workdir/init.log" >&2; die "jsipfs init failed (log: $workdir/init.log)"; }
  fi
  # left behind by a daemon that was SIGKILLed (no daemon runs here: checked above)
  rm -rf -- "$repo/repo.lock" "$repo/api"

  local api_port gw_port swarm_port p
  api_port=${IPFS_API_PORT:-$(free_port)}
  gw_port=${IPFS_GATEWAY_PORT:-$(free_port)}
  swarm_port=${IPFS_SWARM_PORT:-$(free_port)}
  while [[ $gw_port == "$api_port" ]]; do gw_port=$(free_port); done
  while [[ $swarm_port == "$api_port" || $swarm_port == "$gw_port" ]]; do swarm_port=$(free_port); done
  for p in "$api_port" "$gw_port" "$swarm_port"; do
    port_free "$p" || die "port 127.0.0.1:$p is already in use"
  done
  configure_repo "$repo" "$api_port" "$gw_port" "$swarm_port"

  # --offline: never dial out. --enable-preload=false: the daemon enables preload by default
  # (--offline does not turn it off) and would then POST every added CID to node*.preload.ipfs.io.
  local pid timeout=${IPFS_START_TIMEOUT:-60}
  pid=$(spawn_bg "$pidfile" "$logfile" "$workdir" \
    "$JSIPFS" daemon --offline --enable-preload=false)
  await_start "js-ipfs API" "http://127.0.0.1:$api_port/api/v0/id" "$timeout" "$pidfile" "$logfile" POST
  echo "http://127.0.0.1:$gw_port" >"$workdir/gateway.url"

  echo "IPFS_API=http://127.0.0.1:$api_port"
  echo "PID=$pid"
}

case ${1:-} in
  install) [[ $# -eq 1 ]] || usage; cmd_install ;;
  start) [[ $# -eq 2 ]] || usage; cmd_start "$2" ;;
  stop) [[ $# -eq 2 ]] || usage; stop_workdir "$2" ;;
  *) usage ;;
esac
