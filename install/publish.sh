#!/usr/bin/env bash
# Publishes nodeagent the one way it is installed: `nodeagent`, one NativeAOT linux-x64 binary (its runtime settings —
# GC mode, size-optimised code, no EventSource — are in src/Executable/Executable.csproj; libgit2's native library
# lies beside it) and, for db nodes, the NativeAOT `nodeagent-wal-push`. NativeAOT needs clang and zlib1g-dev
# (tools/deps.sh). install/install.sh, the Packer template and the benches (bench/lib.sh) all use this script, so what
# is measured is what is installed.
#
#   install/publish.sh OUT_DIR
set -euo pipefail
[ $# -eq 1 ] || { echo "usage: install/publish.sh OUT_DIR" >&2; exit 2; }
src_root="$(cd "$(dirname "$0")/.." && pwd)"
out="$1"
command -v dotnet >/dev/null || { echo "publish.sh: dotnet SDK not found" >&2; exit 1; }
# A fresh directory every time, so nothing of an older publish (another runtime's files) is installed with it.
if [ -e "$out" ]; then
  [ -f "$out/nodeagent" ] || { echo "publish.sh: $out exists and is not a nodeagent publish; refusing to replace it" >&2; exit 1; }
  rm -rf "$out"
fi
dotnet publish "$src_root/src/Executable/Executable.csproj" -c Release -r linux-x64 -o "$out" \
  -nologo -clp:NoSummary -v:q -warnaserror
# db nodes: PostgreSQL's archive_command client (docs/backups.md); the agent uses it when present.
dotnet publish "$src_root/src/WalPushClient/WalPushClient.csproj" -c Release -r linux-x64 -o "$out" \
  -nologo -clp:NoSummary -v:q -warnaserror
