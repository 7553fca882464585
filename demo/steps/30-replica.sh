# Step 3: db replicas (docs/replication.md): a PostgreSQL replica joins from the S3 archive and streams; kill -9 of the
# primary promotes it and moves db.<zone>; the old primary rejoins as its replica. Starts its own servers.
source "$(dirname "${BASH_SOURCE[0]}")/../lib.sh"
say "db replicas: a replica joins from the S3 archive, the primary is killed, the old primary rejoins"
dotnet "$DEMO_ROOT/tests/Fleet/bin/Release/net10.0/nodeagent-fleet.dll" replica
