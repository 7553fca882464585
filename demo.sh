#!/usr/bin/env bash
# The demo: installs what is missing, starts the local S3/SQS server on loopback, builds the agent and boots a web
# node from demo/user-data/web-1.yaml. The node prints its identity, role, queue and "ready", then stops cleanly
# (run --once). Idempotent: run it as often as you like.
set -euo pipefail
cd "$(dirname "$0")"
export AWS_EC2_METADATA_DISABLED=true DOTNET_CLI_TELEMETRY_OPTOUT=1 DOTNET_NOLOGO=1

tools/deps.sh
tools/localstack/start.sh 127.0.0.1:4566 nodeagent-demo
dotnet build src/NodeAgent/Executable/NodeAgent.Executable.csproj -c Release -nologo -clp:NoSummary -v:q -warnaserror
agent=(dotnet src/NodeAgent/Executable/bin/Release/net10.0/nodeagent.dll)

echo
echo "== booting a web node from demo/user-data/web-1.yaml (run --once: stop after ready)"
"${agent[@]}" run --once --user-data demo/user-data/web-1.yaml --log-format text
