#!/usr/bin/env bash
# bench/fleet-fanout: 20 agents on this machine (own state dir, queue and loopback address each) and one deploy: time from
# publish until all 20 report success. Prints {"bench":"fleet-fanout","nodes":20,"all_live_ms":…}. Target <= 5000.
# Options: --nodes=20 --runs=3
# The agents run as installed in production: the self-contained ReadyToRun publish install/install.sh makes (cached in
# .local/bench-publish/fleet-fanout; dotnet publish is incremental). NODEAGENT_BENCH_AGENT=<path> runs another build.
source "$(dirname "$0")/../lib.sh"
if [ -z "${NODEAGENT_BENCH_AGENT:-}" ]; then
  published="$BENCH_ROOT/.local/bench-publish/fleet-fanout"
  dotnet publish "$BENCH_ROOT/src/Executable/Executable.csproj" -c Release -r linux-x64 \
    --self-contained true -p:PublishReadyToRun=true -o "$published" -nologo -clp:NoSummary -v:q -warnaserror >&2
  export NODEAGENT_BENCH_AGENT="$published/nodeagent"
fi
run_bench fleet-fanout "$@"
