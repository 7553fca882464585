#!/usr/bin/env bash
# Publishes nodeagent the one way it is installed: the self-contained linux-x64 `nodeagent` (ReadyToRun; the runtime
# settings that go with it are in src/Executable/Executable.csproj) and, for db nodes, the NativeAOT
# `nodeagent-wal-push` beside it. install/install.sh, the Packer template and the benches (bench/lib.sh) all use this
# script, so what is measured is what is installed.
#
#   install/publish.sh OUT_DIR
set -euo pipefail
[ $# -eq 1 ] || { echo "usage: install/publish.sh OUT_DIR" >&2; exit 2; }
src_root="$(cd "$(dirname "$0")/.." && pwd)"
out="$1"
command -v dotnet >/dev/null || { echo "publish.sh: dotnet SDK not found" >&2; exit 1; }
dotnet publish "$src_root/src/Executable/Executable.csproj" -c Release -r linux-x64 --self-contained true \
  -p:PublishReadyToRun=true -o "$out" -nologo -clp:NoSummary -v:q -warnaserror
# db nodes: PostgreSQL's archive_command client (docs/backups.md); the agent uses it when present.
dotnet publish "$src_root/src/WalPushClient/WalPushClient.csproj" -c Release -r linux-x64 -o "$out" \
  -nologo -clp:NoSummary -v:q -warnaserror
