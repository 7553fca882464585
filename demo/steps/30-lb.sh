# Step 3: load balancing. Two web nodes (each an agent plus its own nginx on its own loopback address) and one lb node
# (an agent running HAProxy). Requests through HAProxy alternate between the web nodes; when one web node stops
# gracefully, the lb drains it and traffic moves to the other without a failed request. Stops everything it started.
set -euo pipefail
source "$(dirname "${BASH_SOURCE[0]}")/../lib.sh"
LB_WORK="$DEMO_WORK/lb"
LB_URL="http://127.0.44.10:8080/"

# Stops what a pid file names, if it is still the process we started (its command line mentions the demo directory).
stop_pid_file() {
  local file="$1" signal="${2:-TERM}" pid
  [[ -f "$file" ]] || return 0
  pid="$(cat "$file")"
  if [[ -r "/proc/$pid/cmdline" ]] && tr '\0' ' ' <"/proc/$pid/cmdline" | grep -q "$LB_WORK\|nodeagent-demo/lb\|user-data/lb-1\|user-data/web-"; then
    kill "-$signal" "$pid" 2>/dev/null || true
    for _ in $(seq 1 150); do [[ -d "/proc/$pid" ]] || break; sleep 0.1; done
    [[ -d "/proc/$pid" ]] && kill -KILL "$pid" 2>/dev/null || true
  fi
  rm -f "$file"
}

cleanup() {
  for node in web-a web-b lb-1; do stop_pid_file "$LB_WORK/$node.pid"; done
  # An HAProxy left behind by an lb agent that did not stop cleanly.
  stop_pid_file "$LB_WORK/lb-1/state/haproxy/haproxy.pid" USR1
  for node in web-a web-b; do stop_pid_file "$LB_WORK/nginx-$node.pid" QUIT; done
}
trap cleanup EXIT
cleanup

wait_for() { # wait_for SECONDS DESCRIPTION COMMAND...
  local seconds="$1" what="$2"; shift 2
  for _ in $(seq 1 $((seconds * 10))); do "$@" >/dev/null 2>&1 && return 0; sleep 0.1; done
  echo "timed out waiting for $what" >&2; return 1
}

start_nginx() { # start_nginx NODE ADDRESS
  local node="$1" address="$2" dir="$LB_WORK/nginx-$1"
  mkdir -p "$dir/tmp"
  cat >"$dir/nginx.conf" <<CONF
daemon off;
master_process off;
pid $dir/nginx.pid;
error_log $dir/error.log;
events { worker_connections 256; }
http {
    access_log $dir/access.log;
    client_body_temp_path $dir/tmp; proxy_temp_path $dir/tmp; fastcgi_temp_path $dir/tmp; uwsgi_temp_path $dir/tmp; scgi_temp_path $dir/tmp;
    default_type text/plain;
    server {
        listen $address:8081;
        location = /healthz { return 200 "ok\n"; }
        location / { return 200 "served by $node ($address)\n"; }
    }
}
CONF
  /usr/sbin/nginx -c "$dir/nginx.conf" -p "$dir" >"$dir/stdout.log" 2>&1 &
  echo $! >"$LB_WORK/nginx-$node.pid"
  wait_for 10 "nginx of $node" curl -fsS "http://$address:8081/healthz"
}

start_agent() { # start_agent NODE ADDRESS
  local node="$1" address="$2"
  # Not through agent(): $! must be the agent's own pid, so stopping it sends SIGTERM to the agent itself.
  dotnet "$NODEAGENT_DLL" run --user-data "$DEMO_ROOT/demo/user-data/$node.yaml" --log-format text >"$LB_WORK/$node.log" 2>&1 &
  echo $! >"$LB_WORK/$node.pid"
  wait_for 60 "$node to be ready" curl -fsS "http://$address:9780/healthz"
}

requests() { # requests N: N requests through HAProxy, one line each
  for _ in $(seq 1 "$1"); do printf '  %s' "$(curl -sS -H 'Host: shop.demo' "$LB_URL")"; echo; done
}

rm -rf "$LB_WORK"
mkdir -p "$LB_WORK"

say "load balancing: one lb node (HAProxy on 127.0.44.10:8080) in front of two web nodes"
start_agent lb-1 127.0.44.10
start_nginx web-a 127.0.44.11
start_nginx web-b 127.0.44.12
start_agent web-a 127.0.44.11
start_agent web-b 127.0.44.12
wait_for 30 "both web nodes in HAProxy" bash -c "[[ \$(grep -c 'joined at' '$LB_WORK/lb-1.log') -ge 2 ]]"
grep -o 'Membership: be_shop/web-. joined at .*' "$LB_WORK/lb-1.log" | sed 's/^/  lb-1: /'

say "six requests through HAProxy alternate between the web nodes"
requests 6

say "the cluster as the registry sees it (nodeagent status --cluster demo-lb)"
agent status --cluster demo-lb --user-data "$DEMO_ROOT/demo/user-data/lb-1.yaml" --log-format text | sed 's/^/  /'

say "stopping web-a gracefully: it drains out of HAProxy before its web server stops"
stop_pid_file "$LB_WORK/web-a.pid"
grep -o 'Membership: .*\|Drained in .*\|Registry entry .* removed' "$LB_WORK/web-a.log" | grep -v "'join'" | sed 's/^/  web-a: /' || true
grep -o 'Membership: \(be_shop/web-a \(draining\|left\)\|told web-a .*\)' "$LB_WORK/lb-1.log" | sed 's/^/  lb-1: /' || true
stop_pid_file "$LB_WORK/nginx-web-a.pid" QUIT

say "traffic has moved to web-b"
requests 4

say "HAProxy's access log (Apache combined), last lines"
tail -n 3 "$LB_WORK/lb-1/access.log" | sed 's/^/  /'

say "stopping the lb node and web-b"
cleanup
trap - EXIT
echo "  done: every process of this step has stopped"
