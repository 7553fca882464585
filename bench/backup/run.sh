#!/usr/bin/env bash
# Backup benchmark: nodeagent against pgBackRest 2.45 (Debian), same run, same PostgreSQL 15 pgbench database
# (scale 70, ~1 GB), same local S3 (fauxqs) behind the same TLS endpoint (nginx, self-signed certificate on loopback),
# comparable compression (zstd level 3 for both). Per round and tool, in alternating order:
#   - WAL: with archive_command empty, pgbench fills N segments; then archive_command is set to the tool and the time
#     until PostgreSQL's archiver has archived all of them is measured (the synchronous archive_command path);
#   - a full base backup (nodeagent backup push / pgbackrest backup --type=full), timed;
#   - a restore of that backup into an empty directory (nodeagent backup restore / pgbackrest restore), timed;
#   - the bytes the backup stored in S3.
# Then, per round, an encrypted round of each tool, each with its own repository/prefix and its own archive_command:
# nodeagent with a local key (db.backup.encryption, AES-256-GCM chunked, a data key per object) against pgBackRest with
# repo1-cipher-type=aes-256-cbc; a full base backup and its restore, timed.
# nodeagent runs as installed in production: install/publish.sh's NativeAOT build, with the agent running, and
# archive_command is the NativeAOT client nodeagent-wal-push, which hands segments to the agent over its local socket. pgBackRest runs with its defaults (process-max=1, archive-async=n).
# Prints medians and ratios; the last line is the JSON the issue names:
#   {"bench":"backup","backup_ratio":..,"restore_ratio":..,"wal_per_s":..,"wal_per_s_pgbackrest":..,"bytes_ratio":..,
#    "enc_backup_ratio":..,"enc_restore_ratio":..}
# Usage: bench/backup/run.sh   (env: ROUNDS=3 SCALE=70 WAL_SEGMENTS=32)
set -euo pipefail
shopt -s inherit_errexit
root="$(cd "$(dirname "$0")/../.." && pwd)"
rounds="${ROUNDS:-3}"
scale="${SCALE:-70}"
wal_segments="${WAL_SEGMENTS:-32}"
bin=/usr/lib/postgresql/15/bin
export AWS_EC2_METADATA_DISABLED=true DOTNET_CLI_TELEMETRY_OPTOUT=1 DOTNET_NOLOGO=1

log() { echo "[$(date +%H:%M:%S)] $*" >&2; }
free_port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'; }
now() { date +%s.%N; }
median() { sort -g | awk '{a[NR]=$1} END {if (NR%2) print a[(NR+1)/2]; else print (a[NR/2]+a[NR/2+1])/2}'; }

"$root/tools/deps.sh" >/dev/null
work="$(mktemp -d /tmp/nodeagent-bench-backup-XXXXXX)"
chmod 755 "$work"
pids=()
cleanup() {
  set +e
  [ -n "${data:-}" ] && runuser -u postgres -- "$bin/pg_ctl" -D "$data" -m immediate -w stop >/dev/null 2>&1
  [ -f "$work/nginx/nginx.pid" ] && kill "$(cat "$work/nginx/nginx.pid")" 2>/dev/null
  for p in "${pids[@]}"; do kill "$p" 2>/dev/null; done
  wait 2>/dev/null
  rm -rf "$work"
}
trap cleanup EXIT
trap "exit 143" TERM INT

log "publishing nodeagent as install/install.sh does (install/publish.sh: NativeAOT agent and the NativeAOT archive_command client)"
"$root/install/publish.sh" "$work/agent" >/dev/null
agent="$work/agent/nodeagent"
chmod -R a+rX "$work/agent"

log "starting fauxqs and nginx (TLS) on loopback"
s3port="$(free_port)"
FAUXQS_DIR="$root/.local/fauxqs" FAUXQS_LISTEN="127.0.0.1:$s3port" FAUXQS_BUCKETS=bench \
  node "$root/tools/localstack/fauxqs-server.mjs" >"$work/fauxqs.log" 2>&1 &
pids+=($!)
for _ in $(seq 1 100); do curl -fsS --max-time 1 "http://127.0.0.1:$s3port/health" >/dev/null 2>&1 && break; sleep 0.1; done

mkdir -p "$work/tls" "$work/nginx/tmp"
chmod 777 "$work/nginx/tmp"
openssl req -x509 -newkey rsa:2048 -nodes -days 2 -subj "/CN=127.0.0.1" -addext "subjectAltName=IP:127.0.0.1" \
  -keyout "$work/tls/key.pem" -out "$work/tls/cert.pem" >/dev/null 2>&1
cat /etc/ssl/certs/ca-certificates.crt "$work/tls/cert.pem" >"$work/tls/bundle.pem"
chmod 644 "$work/tls/"*.pem
tlsport="$(free_port)"
cat >"$work/nginx/nginx.conf" <<EOF
worker_processes 1;
pid $work/nginx/nginx.pid;
error_log $work/nginx/error.log warn;
events { worker_connections 1024; }
http {
  access_log off;
  client_body_temp_path $work/nginx/tmp;
  proxy_temp_path $work/nginx/tmp;
  fastcgi_temp_path $work/nginx/tmp;
  uwsgi_temp_path $work/nginx/tmp;
  scgi_temp_path $work/nginx/tmp;
  upstream s3 { server 127.0.0.1:$s3port; keepalive 32; }
  server {
    listen 127.0.0.1:$tlsport ssl;
    ssl_certificate $work/tls/cert.pem;
    ssl_certificate_key $work/tls/key.pem;
    client_max_body_size 0;
    proxy_request_buffering off;
    proxy_buffering off;
    location / {
      proxy_pass http://s3;
      proxy_http_version 1.1;
      proxy_set_header Connection "";
      proxy_set_header Host \$http_host;
    }
  }
}
EOF
nginx -c "$work/nginx/nginx.conf" -p "$work/nginx"
export SSL_CERT_FILE="$work/tls/bundle.pem"

log "initdb and pgbench -i -s $scale"
pgport="$(free_port)"
data="$work/pg/data"
mkdir -p "$work/pg" && chown postgres:postgres "$work/pg"
runuser -u postgres -- "$bin/initdb" -D "$data" -A trust -U postgres --no-sync -E UTF8 --locale=C >/dev/null
cat >>"$data/postgresql.conf" <<EOF
port = $pgport
listen_addresses = '127.0.0.1'
unix_socket_directories = '$work/pg'
wal_level = replica
archive_mode = on
archive_command = ''
max_wal_senders = 4
max_wal_size = 8GB
checkpoint_timeout = 1h
shared_buffers = 256MB
fsync = off
EOF
pg_start() { runuser -u postgres -- "$bin/pg_ctl" -D "$data" -l "$work/pg/postgres.log" -w -t 120 start >/dev/null; }
pg_start
psql() { command psql -X -q -At -h 127.0.0.1 -p "$pgport" -U postgres -d postgres "$@"; }
runuser -u postgres -- "$bin/pgbench" -i -s "$scale" -q -h 127.0.0.1 -p "$pgport" -U postgres postgres >/dev/null 2>&1
psql -c "CHECKPOINT"
db_bytes="$(psql -c "SELECT pg_database_size('postgres')")"
log "database: $db_bytes bytes"

mkdir -p "$work/pgbr/lock" "$work/pgbr/spool" "$work/pgbr/log"
chown -R postgres:postgres "$work/pgbr"
cat >"$work/pgbr/pgbackrest.conf" <<EOF
[global]
repo1-type=s3
repo1-path=/pgbackrest
repo1-s3-bucket=bench
repo1-s3-endpoint=127.0.0.1
repo1-storage-port=$tlsport
repo1-s3-region=us-east-1
repo1-s3-key=test
repo1-s3-key-secret=test
repo1-s3-uri-style=path
repo1-storage-verify-tls=n
compress-type=zst
compress-level=3
start-fast=y
archive-async=n
log-level-console=warn
log-level-file=off
lock-path=$work/pgbr/lock
spool-path=$work/pgbr/spool
log-path=$work/pgbr/log

[bench]
pg1-path=$data
pg1-port=$pgport
pg1-socket-path=$work/pg
EOF
chown postgres:postgres "$work/pgbr/pgbackrest.conf"
pgbr() { runuser -u postgres -- pgbackrest --config="$work/pgbr/pgbackrest.conf" --stanza=bench "$@"; }
pgbr stanza-create

# The encrypted pgBackRest repository: same settings, its own path, AES-256-CBC with a passphrase.
sed -e "s|^repo1-path=/pgbackrest$|repo1-path=/pgbackrest-enc\nrepo1-cipher-type=aes-256-cbc\nrepo1-cipher-pass=$(openssl rand -hex 32)|" \
  "$work/pgbr/pgbackrest.conf" >"$work/pgbr/pgbackrest-enc.conf"
chown postgres:postgres "$work/pgbr/pgbackrest-enc.conf"
chmod 600 "$work/pgbr/pgbackrest-enc.conf"
grep -q '^repo1-cipher-type=aes-256-cbc$' "$work/pgbr/pgbackrest-enc.conf" || { echo "pgbackrest-enc.conf has no cipher" >&2; exit 1; }
pgbr_enc() { runuser -u postgres -- pgbackrest --config="$work/pgbr/pgbackrest-enc.conf" --stanza=bench "$@"; }
pgbr_enc stanza-create

mkdir -p "$work/state" "$work/state-enc" && chmod 755 "$work/state" "$work/state-enc"
statusport="$(free_port)"
# The encrypted agent's local key: readable by postgres (wal-fetch runs as that user).
mkdir -p "$work/keys" && chmod 755 "$work/keys"
head -c 32 /dev/urandom | base64 >"$work/keys/backup.key"
chgrp postgres "$work/keys/backup.key" && chmod 640 "$work/keys/backup.key"
cat >"$work/agent.yaml" <<EOF
version: 1
role: db
cluster: bench
node: {id: bench-db, instance_id: i-bench, address: 127.0.0.1, state_dir: $work/state, shutdown_timeout: 5s}
aws:
  region: us-east-1
  bucket: bench
  s3: {endpoint: "https://127.0.0.1:$tlsport", force_path_style: true}
  sqs: {endpoint: "http://127.0.0.1:$s3port"}
  credentials: {access_key_id: test, secret_access_key: test}
status: {listen: "127.0.0.1:$statusport"}
db:
  engine: postgresql
  postgresql: {data_dir: $data, host: $work/pg, port: $pgport, os_user: postgres}
  backup: {prefix: bench/agent, scheduled: false, compression_level: 3}
EOF
sed -e "s|state_dir: $work/state,|state_dir: $work/state-enc,|" \
    -e "s|  backup: {prefix: bench/agent, scheduled: false, compression_level: 3}|  backup:\n    prefix: bench/agent-enc\n    scheduled: false\n    compression_level: 3\n    encryption:\n      keys:\n        - id: bench-local\n          local_key: {file: $work/keys/backup.key}|" \
    "$work/agent.yaml" >"$work/agent-enc.yaml"
grep -q "local_key" "$work/agent-enc.yaml" || { echo "agent-enc.yaml has no key" >&2; exit 1; }
agent_archive="$work/agent/nodeagent-wal-push --config $work/state/postgres/archive.json %p"
agent_enc_archive="$work/agent/nodeagent-wal-push --config $work/state-enc/postgres/archive.json %p"
pgbr_archive="pgbackrest --config=$work/pgbr/pgbackrest.conf --stanza=bench archive-push %p"
pgbr_enc_archive="pgbackrest --config=$work/pgbr/pgbackrest-enc.conf --stanza=bench archive-push %p"

set_archive_command() {
  psql -c "ALTER SYSTEM SET archive_command = '$1'" -c "SELECT pg_reload_conf()" >/dev/null
}
ready_count() { find "$data/pg_wal/archive_status" -name '*.ready' | wc -l; }

# start_agent [user-data] [state dir]: the plain agent by default, the encrypted one with agent-enc.yaml/state-enc.
start_agent() {
  local yaml="${1:-$work/agent.yaml}" state="${2:-$work/state}"
  "$agent" run --user-data "$yaml" --log-format text --log-level Warning >"$work/agent.log" 2>&1 &
  agent_pid=$!
  for _ in $(seq 1 300); do
    [ -S "$state/postgres/wal.sock" ] && curl -fsS --max-time 1 "http://127.0.0.1:$statusport/healthz" >/dev/null 2>&1 && return 0
    sleep 0.1
  done
  echo "agent did not become ready:" >&2; cat "$work/agent.log" >&2; exit 1
}
stop_agent() { kill "$agent_pid" 2>/dev/null || true; wait "$agent_pid" 2>/dev/null || true; }

# Archives $wal_segments fresh segments with archive_command $1; prints segments per second.
wal_phase() {
  local cmd="$1"
  set_archive_command ''
  psql -c "CHECKPOINT" >/dev/null
  while [ "$(ready_count)" -lt "$wal_segments" ]; do
    runuser -u postgres -- "$bin/pgbench" -n -c 2 -j 2 -t 2000 -h 127.0.0.1 -p "$pgport" -U postgres postgres >/dev/null 2>&1
  done
  psql -c "SELECT pg_switch_wal()" >/dev/null
  sleep 0.5
  local n base t0 t1
  n="$(ready_count)"
  base="$(psql -c "SELECT archived_count FROM pg_stat_archiver")"
  t0="$(now)"
  set_archive_command "$cmd"
  for _ in $(seq 1 6000); do
    [ "$(psql -c "SELECT archived_count FROM pg_stat_archiver")" -ge $((base + n)) ] && break
    sleep 0.05
  done
  t1="$(now)"
  [ "$(psql -c "SELECT archived_count FROM pg_stat_archiver")" -ge $((base + n)) ] || { echo "archiving did not finish" >&2; exit 1; }
  awk -v n="$n" -v a="$t0" -v b="$t1" 'BEGIN {printf "%.2f\n", n / (b - a)}'
}

timed() { local t0 t1; t0="$(now)"; "$@" >"$work/last.out" 2>&1 || { cat "$work/last.out" >&2; exit 1; }; t1="$(now)"; awk -v a="$t0" -v b="$t1" 'BEGIN {printf "%.2f\n", b - a}'; }

agent_backup() { "$agent" backup push --user-data "$work/agent.yaml" --log-level Warning; }
agent_restore() { rm -rf "$work/restore"; "$agent" backup restore --user-data "$work/agent.yaml" --log-level Warning --to "$work/restore"; }
pgbr_backup() { pgbr --type=full backup; }
pgbr_restore() { rm -rf "$work/restore"; mkdir -p "$work/restore"; chown postgres:postgres "$work/restore"; chmod 700 "$work/restore"; pgbr --pg1-path="$work/restore" restore; }
agent_bytes() { "$agent" backup list --json --user-data "$work/agent.yaml" --log-level Warning | tail -1 | python3 -c 'import json,sys; print(json.load(sys.stdin)["stored_bytes"])'; }
agent_enc_backup() { "$agent" backup push --user-data "$work/agent-enc.yaml" --log-level Warning; }
agent_enc_restore() { rm -rf "$work/restore"; "$agent" backup restore --user-data "$work/agent-enc.yaml" --log-level Warning --to "$work/restore"; }
pgbr_enc_backup() { pgbr_enc --type=full backup; }
pgbr_enc_restore() { rm -rf "$work/restore"; mkdir -p "$work/restore"; chown postgres:postgres "$work/restore"; chmod 700 "$work/restore"; pgbr_enc --pg1-path="$work/restore" restore; }
# Proves the encrypted rounds stored no plaintext: no object of either encrypted repository starts with the zstd magic.
assert_encrypted() {
  python3 - "$s3port" <<'PY'
import sys, urllib.request, re
port = sys.argv[1]
def get(path, rng=None):
    req = urllib.request.Request(f"http://127.0.0.1:{port}/bench{path}")
    if rng: req.add_header("Range", rng)
    return urllib.request.urlopen(req).read()
for prefix in ("bench/agent-enc/", "pgbackrest-enc/"):
    keys = re.findall(rb"<Key>([^<]+)</Key>", get(f"?list-type=2&prefix={prefix}&max-keys=1000"))
    assert keys, f"nothing under {prefix}"
    for k in keys:
        head = get("/" + k.decode(), "bytes=0-3")
        assert head[:4] != b"\x28\xb5\x2f\xfd", f"{k.decode()} starts with the zstd magic"
print("encrypted repositories: no object starts with the zstd magic")
PY
}
pgbr_bytes() { pgbr info --output=json | python3 -c 'import json,sys; print(json.load(sys.stdin)[0]["backup"][-1]["info"]["repository"]["delta"])'; }

run_agent() {
  start_agent
  local w b r s
  w="$(wal_phase "$agent_archive")"
  b="$(timed agent_backup)"
  r="$(timed agent_restore)"
  s="$(agent_bytes)"
  stop_agent
  echo "$w $b $r $s"
}
run_agent_enc() {
  start_agent "$work/agent-enc.yaml" "$work/state-enc"
  set_archive_command "$agent_enc_archive"
  local b r
  b="$(timed agent_enc_backup)"
  r="$(timed agent_enc_restore)"
  stop_agent
  echo "$b $r"
}
run_pgbr_enc() {
  set_archive_command "$pgbr_enc_archive"
  local b r
  b="$(timed pgbr_enc_backup)"
  r="$(timed pgbr_enc_restore)"
  echo "$b $r"
}
run_pgbr() {
  local w b r s
  w="$(wal_phase "$pgbr_archive")"
  b="$(timed pgbr_backup)"
  r="$(timed pgbr_restore)"
  s="$(pgbr_bytes)"
  echo "$w $b $r $s"
}

: >"$work/agent.results"
: >"$work/pgbr.results"
: >"$work/agent_enc.results"
: >"$work/pgbr_enc.results"
for round in $(seq 1 "$rounds"); do
  if [ $((round % 2)) -eq 1 ]; then order="agent pgbr agent_enc pgbr_enc"; else order="pgbr agent pgbr_enc agent_enc"; fi
  for tool in $order; do
    log "round $round: $tool"
    result="$("run_$tool")"
    echo "$result" >>"$work/$tool.results"
    case "$tool" in
      *_enc) read -r b r <<<"$result"; log "round $round: $tool backup ${b}s restore ${r}s" ;;
      *) read -r w b r s <<<"$result"; log "round $round: $tool wal ${w}/s backup ${b}s restore ${r}s stored ${s} bytes" ;;
    esac
  done
done
rm -rf "$work/restore"
assert_encrypted >&2

col() { awk -v c="$2" '{print $c}' "$work/$1.results" | median; }
aw="$(col agent 1)"; ab="$(col agent 2)"; ar="$(col agent 3)"; as="$(col agent 4)"
pw="$(col pgbr 1)"; pb="$(col pgbr 2)"; pr="$(col pgbr 3)"; ps="$(col pgbr 4)"
eab="$(col agent_enc 1)"; ear="$(col agent_enc 2)"; epb="$(col pgbr_enc 1)"; epr="$(col pgbr_enc 2)"
echo "database ${db_bytes} bytes, ${rounds} rounds, ${wal_segments} WAL segments per round (medians)"
printf '%-12s %10s %10s %10s %14s\n' tool "wal/s" "backup s" "restore s" "stored bytes"
printf '%-12s %10s %10s %10s %14s\n' nodeagent "$aw" "$ab" "$ar" "$as"
printf '%-12s %10s %10s %10s %14s\n' pgbackrest "$pw" "$pb" "$pr" "$ps"
printf '%-12s %10s %10s %10s %14s\n' "nodeagent+enc" - "$eab" "$ear" -
printf '%-12s %10s %10s %10s %14s\n' "pgbr+aes-cbc" - "$epb" "$epr" -
python3 - "$ab" "$pb" "$ar" "$pr" "$aw" "$pw" "$as" "$ps" "$eab" "$epb" "$ear" "$epr" <<'EOF'
import json, sys
ab, pb, ar, pr, aw, pw, as_, ps, eab, epb, ear, epr = map(float, sys.argv[1:])
print(json.dumps({"bench": "backup", "backup_ratio": round(ab / pb, 3), "restore_ratio": round(ar / pr, 3),
                  "wal_per_s": round(aw, 2), "wal_per_s_pgbackrest": round(pw, 2), "bytes_ratio": round(as_ / ps, 3),
                  "enc_backup_ratio": round(eab / epb, 3), "enc_restore_ratio": round(ear / epr, 3)},
                 separators=(",", ":")))
EOF
