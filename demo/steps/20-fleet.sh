# Step 2: the fleet in a box (docs/fleet.md): S3/SQS, BIND, 2 lb + 3 web + 1 db nodes, each its own agent process on
# its own 127.x address; a deploy under traffic, lb failover, a web node killed, a deploy while it is down and its
# boot catch-up, a base backup and a point-in-time restore; then a summary. Starts its own servers on free ports.
source "$(dirname "${BASH_SOURCE[0]}")/../lib.sh"
# Each agent's log and user-data file are kept here after the run.
export NODEAGENT_FLEET_LOGS="${NODEAGENT_FLEET_LOGS:-$DEMO_WORK/fleet}"
rm -rf "$NODEAGENT_FLEET_LOGS"
say "the fleet in a box: a whole cluster on loopback, driven by its agents"
dotnet "$DEMO_ROOT/tests/Fleet/bin/Release/net10.0/nodeagent-fleet.dll"
