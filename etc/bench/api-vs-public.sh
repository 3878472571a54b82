#!/usr/bin/env bash
# Load test: the filtered /api/ against the unfiltered /public/ of one running standalone jar,
# with N rotating Basic users (bcrypt cost 10), interleaved pairs, printing each ratio and the
# median. Needs wrk and htpasswd (Debian: wrk, apache2-utils). Targets 127.0.0.1 only.
#
#   etc/bench/api-vs-public.sh [users=50] [pairs=5] [seconds=10] [connections=32]
set -euo pipefail
cd "$(dirname "$0")/../.."
. etc/bench/lib.sh
users=${1:-50}; pairs=${2:-5}; seconds=${3:-10}; connections=${4:-32}
port=${PORT:-18181}
for tool in wrk htpasswd java; do
  command -v "$tool" >/dev/null || { echo "missing: $tool (apt-get install wrk apache2-utils)" >&2; exit 1; }
done
mvn -B -q package -DskipTests   # always: a stale jar would measure old code

work=$(mktemp -d)
trap 'kill "$pid" 2>/dev/null || true; rm -rf "$work"' EXIT
etc/bench/rotating-users.sh "$users" "$work"
printf 'users.file=users.htpasswd\nkey.secret=bench-secret-0123456789abcdef\n' > "$work/bench.properties"

java -Xms256m -Xmx1g -jar target/sessiongate-standalone.jar --config "$work/bench.properties" \
  --port="$port" > "$work/server.log" 2>&1 &
pid=$!
await_http "http://127.0.0.1:$port/health"

run() { # url → requests/s
  wrk -t2 -c"$connections" -d"${seconds}s" -s "$work/rotate.lua" "$1" | awk '/Requests\/sec/ {print $2}'
}
public="http://127.0.0.1:$port/public/bench"; api="http://127.0.0.1:$port/api/bench"
echo "warm-up (authenticates the $users users once, warms the JIT)"
for _ in $(seq 1 60); do   # 3,000 bcrypt users take about 90 s of password checks on 2 cores
  run "$api" >/dev/null
  [ "$(grep -c event=session_created "$work/server.log")" -ge "$users" ] && break
done
run "$public" >/dev/null
median=$(interleave "$pairs" "$public" "$api" /public /api)
echo "users=$users pairs=$pairs seconds=$seconds connections=$connections median /api÷/public = $median"
echo "password checks: $(grep -c event=session_created "$work/server.log")"
