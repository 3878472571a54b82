#!/usr/bin/env bash
# The filter at scale: fills one standalone jar with SESSIONS resident sessions (one cheap {SHA}
# user on as many distinct paths: the path is part of the user key), measures the heap they take
# (used heap after a full GC, before and after, per session), then runs the usual interleaved
# /api ÷ /public pairs with 50 rotating bcrypt-10 users while they stay resident. Needs wrk,
# htpasswd, jcmd. Targets 127.0.0.1 only.
#
#   etc/bench/million-sessions.sh [sessions=1000000] [pairs=3] [seconds=10] [connections=32]
set -euo pipefail
cd "$(dirname "$0")/../.."
. etc/bench/lib.sh
sessions=${1:-1000000}; pairs=${2:-3}; seconds=${3:-10}; connections=${4:-32}
port=${PORT:-18241}
for tool in wrk htpasswd jcmd java; do
  command -v "$tool" >/dev/null || { echo "missing: $tool (apt-get install wrk apache2-utils)" >&2; exit 1; }
done
mvn -B -q package -DskipTests   # always: a stale jar would measure old code

work=$(mktemp -d)
trap 'kill "$pid" 2>/dev/null || true; rm -rf "$work"' EXIT
etc/bench/rotating-users.sh 50 "$work"
htpasswd -bs "$work/users.htpasswd" filler filler-password 2>/dev/null
cat > "$work/bench.properties" <<PROPS
users.file=users.htpasswd
key.secret=bench-secret-0123456789abcdef
session.idle-timeout=3600
sessions.max=$((sessions + 100000))
sessions.max-per-user=$((sessions * 2))
sessions.max-per-ip=$((sessions * 2))
auth.queue=1024
PROPS
# Each wrk thread fills its own range of paths, then goes round it again (hits).
cat > "$work/fill.lua" <<LUA
local next_id = 0
function setup(thread) thread:set("id", next_id); next_id = next_id + 1 end
local auth = "Basic $(printf 'filler:filler-password' | base64 -w0)"
local per_thread = $((sessions / 2))
local n = 0
request = function()
  n = n + 1
  return wrk.format("POST", "/api/fill/" .. (id * per_thread + n % per_thread), { ["Authorization"] = auth }, "")
end
LUA

java -Xms2g -Xmx2g -jar target/sessiongate-standalone.jar --config "$work/bench.properties" --port="$port" \
  > "$work/server.log" 2>&1 &
pid=$!
await_http "http://127.0.0.1:$port/health"

run() { # url → requests/s
  wrk -t2 -c"$connections" -d"${seconds}s" -s "$work/rotate.lua" "$1" | awk '/Requests\/sec/ {print $2}'
}
used_heap() { # bytes used after a full GC
  jcmd "$pid" GC.run >/dev/null; sleep 1
  jcmd "$pid" GC.heap_info | awk '/garbage-first heap/ {for (i = 1; i <= NF; i++) if ($i == "used") {v = $(i + 1); sub(/K,?/, "", v); print v * 1024}}'
}
count() { curl -s "http://127.0.0.1:$port/health" | sed -E 's/.*"sessions":([0-9]+).*/\1/'; }

public="http://127.0.0.1:$port/public/bench"; api="http://127.0.0.1:$port/api/bench"
echo "warm-up (authenticates the 50 users once, warms the JIT)"
run "$api" >/dev/null; run "$public" >/dev/null
before=$(used_heap); base=$(count)
echo "filling to $sessions sessions ($(date +%T))"
while [ "$(count)" -lt $((sessions + base)) ]; do
  wrk -t2 -c"$connections" -d20s -s "$work/fill.lua" "http://127.0.0.1:$port/" | awk '/Requests\/sec/ {print "  fill: " $2 " requests/s"}'
done
after=$(used_heap); resident=$(count)
echo "resident sessions: $resident ($(date +%T)); heap used after full GC: $((before / 1048576)) MiB before, $((after / 1048576)) MiB after"
echo "heap per filled session: $(( (after - before) / (resident - base) )) bytes"
median=$(interleave "$pairs" "$public" "$api" /public /api)
echo "sessions=$resident pairs=$pairs seconds=$seconds connections=$connections median /api÷/public = $median"
echo "resident at the end: $(count)"
