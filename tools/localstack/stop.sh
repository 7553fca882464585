#!/usr/bin/env bash
# Stops the local S3+SQS server started by start.sh.
set -euo pipefail
root="$(cd "$(dirname "$0")/../.." && pwd)"
pidfile="$root/.local/run/fauxqs.pid"
if [ -f "$pidfile" ]; then
  kill "$(cat "$pidfile")" 2>/dev/null || true
  rm -f "$pidfile"
fi
