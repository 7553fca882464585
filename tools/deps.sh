#!/usr/bin/env bash
# Installs what the demo and the tests need on Debian 12, idempotently:
#   - Debian packages: the real servers the tests run against (HAProxy, nginx, BIND, PostgreSQL, MariaDB,
#     pgBackRest, svn) and the load/bench tools; clang and zlib1g-dev for the NativeAOT publish (install/publish.sh);
#   - the pinned local S3+SQS server (fauxqs from npm) into .local/fauxqs.
# Runs apt only when something is missing. Needs root (or sudo) for apt.
set -euo pipefail
root="$(cd "$(dirname "$0")/.." && pwd)"

packages=(
  git curl ca-certificates zstd procps iproute2 openssl
  haproxy nginx-light
  bind9 bind9-dnsutils
  postgresql-15 postgresql-client-15
  mariadb-server mariadb-client
  pgbackrest
  subversion
  wrk hyperfine
  clang zlib1g-dev
)

missing=()
for p in "${packages[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
if ! command -v node >/dev/null; then
  missing+=(nodejs npm)
fi

if [ "${#missing[@]}" -gt 0 ]; then
  echo "installing Debian packages: ${missing[*]}"
  sudo=""
  [ "$(id -u)" -eq 0 ] || sudo="sudo"
  export DEBIAN_FRONTEND=noninteractive
  $sudo apt-get update -qq
  # Service packages try to start their daemons; tests start their own on loopback instead.
  if [ ! -e /usr/sbin/policy-rc.d ]; then
    printf '#!/bin/sh\nexit 101\n' | $sudo tee /usr/sbin/policy-rc.d >/dev/null
    $sudo chmod +x /usr/sbin/policy-rc.d
    trap '$sudo rm -f /usr/sbin/policy-rc.d' EXIT
  fi
  $sudo apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
fi

"$root/tools/localstack/install.sh"
