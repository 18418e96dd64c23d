#!/usr/bin/env bash
# Docker smoke test: build the image, run it as production would (read-only root filesystem, no
# capabilities, non-root), wait for /health/ready and Docker's HEALTHCHECK, score one customer, then
# docker stop it and require a clean exit (code 0) in under 5 s. Prints image size, build time, the
# prediction, stop time and exit code; exits non-zero on any problem; always removes its container.
#
#   npm run docker:smoke
#
# Uses the Docker engine in DOCKER_HOST when one answers. Otherwise, on the team's machines (no Docker
# Hub), it starts the local engine from ../shared/tools/docker-local.sh (override: DOCKER_LOCAL) and
# builds on its local/node:20 base image. Overrides: IMAGE (tag to build), NODE_IMAGE (base image),
# PORT (host port; default: a free one), MAX_STOP_MS (default 5000).
set -euo pipefail

ROOT=$(cd "$(dirname "$0")/.." && pwd)
IMAGE=${IMAGE:-local/buy-again:smoke}
MAX_STOP_MS=${MAX_STOP_MS:-5000}
DOCKER_LOCAL=${DOCKER_LOCAL:-$ROOT/../shared/tools/docker-local.sh}
NAME=buy-again-smoke-$$
BUILD_LOG=$(mktemp -t buy-again-docker-build.XXXXXX)

fail () { echo "docker-smoke: FAIL: $*" >&2; exit 1; }
now_ms () { echo $(($(date +%s%N) / 1000000)); }
cleanup () {
  docker rm -f "$NAME" >/dev/null 2>&1 || true
  rm -f "$BUILD_LOG"
}
trap cleanup EXIT

# --- the Docker engine and the base image ---
if docker version --format '{{.Server.Version}}' >/dev/null 2>&1; then
  NODE_IMAGE=${NODE_IMAGE:-node:20-bookworm-slim}
elif [ -x "$DOCKER_LOCAL" ]; then
  echo "docker-smoke: no Docker engine answers; starting the local one ($DOCKER_LOCAL)"
  eval "$("$DOCKER_LOCAL" start)"
  NODE_IMAGE=${NODE_IMAGE:-$("$DOCKER_LOCAL" base)}
else
  fail "no Docker engine answers (DOCKER_HOST=${DOCKER_HOST:-unset}) and $DOCKER_LOCAL is not there"
fi
# The legacy builder (no BuildKit) is all the local engine has; the Dockerfile needs nothing more.
export DOCKER_BUILDKIT=${DOCKER_BUILDKIT:-0}

# --- build ---
echo "docker-smoke: building $IMAGE on $NODE_IMAGE"
started=$(now_ms)
if ! docker build --network host --build-arg "NODE_IMAGE=$NODE_IMAGE" -t "$IMAGE" "$ROOT" >"$BUILD_LOG" 2>&1; then
  tail -n 30 "$BUILD_LOG" >&2
  fail "docker build failed"
fi
build_ms=$(($(now_ms) - started))
size=$(docker image ls --format '{{.Size}}' "$IMAGE" | head -n 1)
size_bytes=$(docker image inspect -f '{{.Size}}' "$IMAGE")
echo "image:       $IMAGE  $size ($size_bytes bytes)"
echo "build time:  $((build_ms / 1000)).$(printf '%03d' $((build_ms % 1000))) s ($(grep -c 'Using cache' "$BUILD_LOG" || true) cached steps)"

# --- run as Kubernetes would: read-only root, no capabilities, no privilege escalation ---
if [ -z "${PORT:-}" ]; then
  PORT=$(node -e "const s = require('node:net').createServer().listen(0, '127.0.0.1', () => { console.log(s.address().port); s.close() })")
fi
docker run -d --name "$NAME" --network host --read-only --cap-drop ALL --security-opt no-new-privileges \
  -e "PORT=$PORT" -e HOST=127.0.0.1 "$IMAGE" >/dev/null
base=http://127.0.0.1:$PORT

uid=$(docker exec "$NAME" id -u) || fail "cannot exec into the container"
[ "$uid" != 0 ] || fail "the server runs as root"

ready=''
for _ in $(seq 150); do
  [ "$(docker inspect -f '{{.State.Running}}' "$NAME")" = true ] || { docker logs "$NAME" >&2 || true; fail "the container exited during start-up"; }
  if curl -fsS "$base/health/ready" >/dev/null 2>&1; then ready=1; break; fi
  sleep 0.2
done
[ -n "$ready" ] || { docker logs "$NAME" >&2 || true; fail "/health/ready did not answer 200 within 30 s"; }
echo "ready:       $base/health/ready (uid $uid, read-only root filesystem)"

# Docker runs the first HEALTHCHECK one interval (10 s) after start.
health=''
for _ in $(seq 40); do
  health=$(docker inspect -f '{{.State.Health.Status}}' "$NAME")
  [ "$health" = starting ] || break
  sleep 1
done
[ "$health" = healthy ] || fail "Docker HEALTHCHECK says '$health': $(docker inspect -f '{{json .State.Health.Log}}' "$NAME")"
echo "healthcheck: $health"

# --- score one customer (the README's example) ---
prediction=$(curl -fsS "$base/predict" -H 'content-type: application/json' -d '{
  "customerId": "c-1042", "bookLengthAvgMinutes": 1620, "bookLengthTotalMinutes": 1620,
  "priceAvg": 9.5, "priceTotal": 9.5, "reviewed": true, "reviewScore": 9, "completion": 0,
  "minutesListened": 0, "supportRequests": 0, "lastVisitDaysAfterPurchase": 45 }') || fail "POST /predict failed"
echo "prediction:  $prediction"
node -e "const p = JSON.parse(process.argv[1]); if (!(p.probability >= 0 && p.probability <= 1) || typeof p.willBuy !== 'boolean' || p.customerId !== 'c-1042') process.exit(1)" "$prediction" ||
  fail "the prediction is not a probability for c-1042"
metrics=$(curl -fsS "$base/metrics") || fail "GET /metrics failed"
grep -q '^buy_again_model_info{' <<<"$metrics" || fail "/metrics has no buy_again_model_info"

# --- stop: SIGTERM must reach node (PID 1) and end it cleanly ---
started=$(now_ms)
docker stop "$NAME" >/dev/null
stop_ms=$(($(now_ms) - started))
code=$(docker inspect -f '{{.State.ExitCode}}' "$NAME")
echo "stop time:   $((stop_ms / 1000)).$(printf '%03d' $((stop_ms % 1000))) s"
echo "exit code:   $code"
docker logs "$NAME" 2>&1 | tail -n 2
[ "$code" = 0 ] || fail "the container exited with code $code"
[ "$stop_ms" -lt "$MAX_STOP_MS" ] || fail "docker stop took $stop_ms ms (limit $MAX_STOP_MS ms)"
echo "docker-smoke: OK"
