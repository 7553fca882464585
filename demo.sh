#!/usr/bin/env bash
# The demo: installs what is missing, starts the local S3/SQS server on loopback, builds, then runs the steps in
# demo/steps/ in order: one web node booting from its user-data (identity, role, queue, ready, clean stop), then the
# fleet in a box (docs/fleet.md) with its summary, then a db replica joining, a primary failover and a rejoin
# (docs/replication.md). Idempotent: run it as often as you like.
set -euo pipefail
cd "$(dirname "$0")"
export AWS_EC2_METADATA_DISABLED=true DOTNET_CLI_TELEMETRY_OPTOUT=1 DOTNET_NOLOGO=1

tools/deps.sh
tools/localstack/start.sh 127.0.0.1:4566 nodeagent-demo
dotnet build tests/Fleet/Fleet.csproj -c Release -nologo -clp:NoSummary -v:q -warnaserror

for step in demo/steps/*.sh; do
  bash "$step"
done
