# Shared by the demo steps (sourced). Paths, the agent command and output helpers.
DEMO_ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
DEMO_WORK="${DEMO_WORK:-/tmp/nodeagent-demo}"
NODEAGENT_DLL="$DEMO_ROOT/src/Executable/bin/Release/net10.0/nodeagent.dll"
export AWS_EC2_METADATA_DISABLED=true AWS_ACCESS_KEY_ID=test AWS_SECRET_ACCESS_KEY=test AWS_REGION=us-east-1

agent() { dotnet "$NODEAGENT_DLL" "$@"; }
say() { printf '\n== %s\n' "$*"; }
