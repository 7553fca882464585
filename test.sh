#!/usr/bin/env bash
# Runs every test: installs what is missing (Debian packages, the local S3/SQS server), restores, builds with
# warnings as errors, and runs the xunit suite against the real servers on loopback. Idempotent.
set -euo pipefail
cd "$(dirname "$0")"
export AWS_EC2_METADATA_DISABLED=true DOTNET_CLI_TELEMETRY_OPTOUT=1 DOTNET_NOLOGO=1

tools/deps.sh
dotnet build NodeAgent.sln -c Release -nologo -clp:NoSummary -warnaserror
dotnet test NodeAgent.sln -c Release --no-build -nologo --logger "console;verbosity=normal" "$@"
