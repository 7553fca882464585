#!/usr/bin/env bash
# Turns the frames of a logged exception back into names. The installed agent is built without stack-trace metadata
# (docs/footprint.md#reading-a-stack-trace), so its frames print as "nodeagent!<BaseAddress>+0x1a2b3c"; the debug
# symbols installed beside the binary (nodeagent.dbg) map each offset to a method, file and line.
#   journalctl -u nodeagent | /opt/nodeagent/symbolize.sh [/opt/nodeagent/nodeagent.dbg]
# Needs addr2line (Debian: binutils). Lines without such a frame pass through unchanged.
set -euo pipefail
dbg="${1:-/opt/nodeagent/nodeagent.dbg}"
if [ ! -r "$dbg" ]; then
  echo "symbolize: cannot read the debug symbols '$dbg' (pass the path of nodeagent.dbg)" >&2
  exit 2
fi
if ! command -v addr2line >/dev/null; then
  echo "symbolize: addr2line not found (apt-get install binutils)" >&2
  exit 2
fi
# Every frame on a line is replaced (the agent's JSON log lines carry a whole exception, frames joined by "\n").
frame='^(.*)(nodeagent(-wal-push)?)!<BaseAddress>\+(0x[0-9a-fA-F]+)(.*)$'
while IFS= read -r line; do
  out=""
  while [[ "$line" =~ $frame ]]; do
    # The greedy head finds the last frame first; the text after it is done.
    mapfile -t where < <(addr2line -f -C -e "$dbg" "${BASH_REMATCH[4]}")
    out="${where[0]:-?} (${BASH_REMATCH[4]}, ${where[1]:-?})${BASH_REMATCH[5]}$out"
    line="${BASH_REMATCH[1]}"
  done
  printf '%s%s\n' "$line" "$out"
done
