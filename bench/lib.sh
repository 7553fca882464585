# Shared by bench/*/run.sh (sourced): installs what is missing, builds the agent and the bench driver (warnings as
# errors), installs the agent the way install/install.sh does, then runs one benchmark. The driver's JSON line is the
# last line printed.
set -euo pipefail
BENCH_ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
export AWS_EC2_METADATA_DISABLED=true DOTNET_CLI_TELEMETRY_OPTOUT=1 DOTNET_NOLOGO=1

# The agents run as installed: install/publish.sh's build (cached in .local/bench-publish/installed; dotnet publish
# is incremental), installed by install/install.sh into $BENCH_WORK/installed/<bench> (no systemctl). The bench
# driver runs $NODEAGENT_BENCH_AGENT; set it yourself to run another build.
install_agent() {
  local name="$1"
  if [ -n "${NODEAGENT_BENCH_AGENT:-}" ]; then
    echo "bench: running NODEAGENT_BENCH_AGENT=$NODEAGENT_BENCH_AGENT" >&2
    return
  fi
  local published="$BENCH_ROOT/.local/bench-publish/installed"
  local prefix="${BENCH_WORK:-/tmp/nodeagent-bench}/installed/$name"
  "$BENCH_ROOT/install/publish.sh" "$published" >&2
  "$BENCH_ROOT/install/install.sh" --from "$published" --prefix "$prefix/opt/nodeagent" \
    --config-dir "$prefix/etc/nodeagent" --unit-dir "$prefix/systemd" --no-systemctl >&2
  export NODEAGENT_BENCH_AGENT="$prefix/opt/nodeagent/nodeagent"
}

run_bench() {
  local name="$1"; shift
  "$BENCH_ROOT/tools/deps.sh" >&2
  dotnet build "$BENCH_ROOT/src/Executable/Executable.csproj" -c Release -nologo -clp:NoSummary -v:q -warnaserror >&2
  dotnet build "$BENCH_ROOT/bench/BenchTool/BenchTool.csproj" -c Release -nologo -clp:NoSummary -v:q -warnaserror >&2
  install_agent "$name"
  local work="${BENCH_WORK:-/tmp/nodeagent-bench}/$name"
  dotnet "$BENCH_ROOT/bench/BenchTool/bin/Release/net10.0/nodeagent-bench.dll" "$name" "$work" "$@"
}
