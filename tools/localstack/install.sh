#!/usr/bin/env bash
# Installs the pinned local S3+SQS server (fauxqs from npm) into .local/fauxqs. Idempotent.
set -euo pipefail
root="$(cd "$(dirname "$0")/../.." && pwd)"
version="1.9.2"
target="$root/.local/fauxqs"
if [ -f "$target/node_modules/fauxqs/package.json" ] && grep -q "\"version\": \"$version\"" "$target/node_modules/fauxqs/package.json"; then
  exit 0
fi
command -v npm >/dev/null || { echo "npm is required (Node.js 20): apt-get install nodejs npm" >&2; exit 1; }
mkdir -p "$target"
echo "installing fauxqs@$version into $target"
npm install --prefix "$target" --no-audit --no-fund --loglevel=error "fauxqs@$version" >/dev/null
