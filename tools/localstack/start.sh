#!/usr/bin/env bash
# Starts the local S3+SQS server on loopback in the background, waits until it answers, and records its pid.
#   tools/localstack/start.sh [HOST:PORT] [BUCKET,...]     (default 127.0.0.1:4566, bucket nodeagent-demo)
# Stop it with tools/localstack/stop.sh. Idempotent: an already running server on that address is reused.
set -euo pipefail
root="$(cd "$(dirname "$0")/../.." && pwd)"
listen="${1:-127.0.0.1:4566}"
buckets="${2:-nodeagent-demo}"
run="$root/.local/run"
mkdir -p "$run"
"$root/tools/localstack/install.sh"
if curl -fsS --max-time 1 "http://$listen/health" >/dev/null 2>&1; then
  echo "fauxqs already running on http://$listen"
  exit 0
fi
FAUXQS_DIR="$root/.local/fauxqs" FAUXQS_LISTEN="$listen" FAUXQS_BUCKETS="$buckets" \
  nohup node "$root/tools/localstack/fauxqs-server.mjs" >"$run/fauxqs.log" 2>&1 &
echo $! >"$run/fauxqs.pid"
for _ in $(seq 1 100); do
  if curl -fsS --max-time 1 "http://$listen/health" >/dev/null 2>&1; then
    echo "fauxqs running on http://$listen (pid $(cat "$run/fauxqs.pid"), buckets: $buckets)"
    exit 0
  fi
  sleep 0.1
done
echo "fauxqs did not start; see $run/fauxqs.log" >&2
cat "$run/fauxqs.log" >&2
exit 1
