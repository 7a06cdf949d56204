#!/usr/bin/env bash
# The official OpenAI Node client (npm openai, pinned by it/src/test/node/openai-client/package-lock.json), used by
# it/.../OpenAiClientIT to check that /v1/embeddings works with it.
#
#   deploy/openai-client.sh install    npm ci in it/src/test/node/openai-client when node_modules is missing
#   deploy/openai-client.sh dir        print that folder (node embeddings.mjs runs there)
set -euo pipefail

# shellcheck source=lib/common.sh
source "$(cd -- "$(dirname -- "${BASH_SOURCE[0]}")" && pwd -P)/lib/common.sh"

CLIENT_DIR=$REPO_ROOT/it/src/test/node/openai-client

cmd_install() {
  [[ -f $CLIENT_DIR/node_modules/openai/package.json ]] && return 0
  command -v npm >/dev/null || die "npm is not installed"
  log "installing the OpenAI Node client into $CLIENT_DIR (npm ci)"
  # --ignore-scripts: the openai package has no install scripts; nothing else is in the tree
  (cd -- "$CLIENT_DIR" && npm ci --ignore-scripts --no-audit --no-fund) >&2 \
    || die "npm ci failed in $CLIENT_DIR"
  [[ -f $CLIENT_DIR/node_modules/openai/package.json ]] || die "npm ci finished but the openai package is missing"
}

case "${1:-}" in
  install) cmd_install ;;
  dir) echo "$CLIENT_DIR" ;;
  *)
    echo "usage: $(basename -- "$0") install | dir" >&2
    exit 2
    ;;
esac
