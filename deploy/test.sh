#!/usr/bin/env bash
# Runs every test (unit + integration against real S3Proxy, js-ipfs and redis-server processes) on a fresh machine:
# installs what is missing, then `./mvnw -B verify`. Exits non-zero when any test fails.
#   deploy/test.sh [extra Maven arguments]
set -euo pipefail
source "$(cd -- "$(dirname -- "${BASH_SOURCE[0]}")" && pwd -P)/lib/common.sh"

ensure_commands python3:python3 node:nodejs npm:npm setsid:util-linux curl:curl redis-server:redis-server

bash "$DEPLOY_DIR/ipfs.sh" install >&2
bash "$DEPLOY_DIR/openai-client.sh" install >&2

cd -- "$REPO_ROOT"
JAVA_HOME=$(java_home) exec ./mvnw -B verify "$@"
