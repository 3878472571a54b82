#!/usr/bin/env bash
# A freshly started gateway against the same gateway warm: the standalone gateway (50 rotating
# Basic users, bcrypt cost 10) in front of a warm demo application, started with --warmup=0 and
# with the default warm-up; each time, once /health answers and every user has logged in once,
# wrk measures the first SECONDS (cold), then runs 15 s, then SECONDS again (warm). Prints the
# time to ready and cold ÷ warm. Needs wrk and htpasswd. Targets 127.0.0.1 only.
#   etc/bench/warm-start.sh [seconds=4] [rounds=3]
set -euo pipefail
cd "$(dirname "$0")/../.."
. etc/bench/lib.sh
seconds=${1:-4}; rounds=${2:-3}
app_port=18231; gw_port=18232
for tool in wrk htpasswd java curl; do command -v "$tool" >/dev/null || { echo "missing: $tool" >&2; exit 1; }; done
mvn -B -q package -DskipTests   # always: a stale jar would measure old code
work=$(mktemp -d); app=""; gw=""
trap 'kill $app $gw 2>/dev/null || true; rm -rf "$work"' EXIT
etc/bench/rotating-users.sh 50 "$work"
printf 'users.file=users.htpasswd\nkey.secret=bench-secret-0123456789abcdef\n' > "$work/bench.properties"
java -Xms256m -Xmx1g -jar target/sessiongate-standalone.jar --config "$work/bench.properties" --warmup=0 \
  --port=$app_port > "$work/app.log" 2>&1 & app=$!
await_http "http://127.0.0.1:$app_port/health"
wrk -t2 -c32 -d20s -s "$work/rotate.lua" "http://127.0.0.1:$app_port/public/warm" >/dev/null   # a warm upstream

rps() { wrk -t2 -c32 -d"$1s" -s "$work/rotate.lua" "http://127.0.0.1:$gw_port/bench" | awk '/Requests\/sec/ {print $2}'; }
measure() { # extra args → "ready_ms cold warm ratio"
  local t0; t0=$(date +%s%N)
  java -Xms256m -Xmx1g -jar target/sessiongate-standalone.jar --config "$work/bench.properties" --port=$gw_port \
    --upstream.url="http://127.0.0.1:$app_port/public" "$@" > "$work/gw.log" 2>&1 & gw=$!
  for _ in $(seq 1 600); do curl -sf -o /dev/null "http://127.0.0.1:$gw_port/health" && break; sleep 0.05; done
  local ready=$(( ($(date +%s%N) - t0) / 1000000 ))
  for i in $(seq 1 50); do curl -s -o /dev/null -u "user$i:password-$i" "http://127.0.0.1:$gw_port/bench"; done
  local cold warm; cold=$(rps "$seconds"); rps 15 >/dev/null; warm=$(rps "$seconds")
  kill $gw; wait $gw 2>/dev/null || true
  echo "$ready $cold $warm $(awk -v a="$cold" -v b="$warm" 'BEGIN {printf "%.3f", a / b}')"
}
for r in $(seq 1 "$rounds"); do
  read -r t c w q <<< "$(measure --warmup=0)"
  echo "round $r, --warmup=0 : ready after $t ms, first ${seconds} s $c rps, warm $w rps, cold÷warm $q"
  read -r t c w q <<< "$(measure)"
  echo "round $r, default    : ready after $t ms, first ${seconds} s $c rps, warm $w rps, cold÷warm $q"
done
