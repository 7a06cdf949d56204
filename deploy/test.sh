#!/usr/bin/env bash
# Runs every test (unit + integration against real S3Proxy, js-ipfs and redis-server processes) on a fresh machine:
# installs what is missing, then `./mvnw -B verify`. Exits non-zero when any test fails.
#   deploy/test.sh [extra Maven arguments]
set -euo pipefail
source "$(cd -- "$(dirname -- "${BASH_SOURCE[0]}")" && pwd -P)/lib/common.sh"

missing=()
command -v python3 >/dev/null || missing+=(python3)
command -v node >/dev/null || missing+=(nodejs)
command -v npm >/dev/null || missing+=(npm)
command -v setsid >/dev/null || missing+=(util-linux)
command -v curl >/dev/null || missing+=(curl)
command -v redis-server >/dev/null || missing+=(redis-server)
if ((${#missing[@]})); then
  log "installing ${missing[*]}"
  apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "${missing[@]}" >&2
fi

bash "$DEPLOY_DIR/ipfs.sh" install >&2
bash "$DEPLOY_DIR/openai-client.sh" install >&2

cd -- "$REPO_ROOT"
JAVA_HOME=$(java_home) exec ./mvnw -B verify "$@"
