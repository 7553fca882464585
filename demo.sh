#!/usr/bin/env bash
# The demo: the fleet in a box. Installs what is missing, builds, then starts a whole cluster on loopback (the local
# S3/SQS server, BIND, 2 lb + 3 web + 1 db nodes, each its own agent process on its own 127.x address) and runs the
# scenario: a deploy under traffic, lb failover, a web node killed, a deploy while it is down, its boot catch-up, a
# base backup and a point-in-time restore. Prints a summary; exits non-zero if any step missed its outcome or a request
# failed outside the documented windows. Stops everything it started. Idempotent.
set -euo pipefail
cd "$(dirname "$0")"
export AWS_EC2_METADATA_DISABLED=true DOTNET_CLI_TELEMETRY_OPTOUT=1 DOTNET_NOLOGO=1
# Each agent's log and user-data file are kept here after the run.
export NODEAGENT_FLEET_LOGS="${NODEAGENT_FLEET_LOGS:-/tmp/nodeagent-demo}"

tools/deps.sh
dotnet build tests/Fleet/Fleet.csproj -c Release -nologo -clp:NoSummary -v:q -warnaserror
rm -rf "$NODEAGENT_FLEET_LOGS"
dotnet tests/Fleet/bin/Release/net10.0/nodeagent-fleet.dll "$@"
