#!/usr/bin/env bash
# Gateway mode against Caddy, side by side in one run: SessionGate's gateway (standalone jar with
# upstream.url) and Caddy's basicauth + reverse_proxy (Debian's caddy, whose cache of checked
# passwords holds 1,000 entries), both in front of the same upstream (a third standalone jar's
# unauthenticated /public/), wrk with rotating Basic users: 50 users at bcrypt cost 10 and 3,000
# at cost 8 by default. Interleaved pairs; prints each pair's requests/s and p99, and per scenario
# the medians and the ratio gateway ÷ caddy. Needs wrk, htpasswd, caddy, curl. Targets 127.0.0.1 only.
#
#   SCENARIOS="50:10 3000:8" PAIRS=3 SECONDS_EACH=10 CONNECTIONS=32 etc/bench/gateway-vs-caddy.sh
set -euo pipefail
cd "$(dirname "$0")/../.."
. etc/bench/lib.sh
scenarios=${SCENARIOS:-50:10 3000:8}; pairs=${PAIRS:-3}; seconds=${SECONDS_EACH:-10}
connections=${CONNECTIONS:-32}
app_port=18211; gw_port=18212; caddy_port=18213
for tool in wrk htpasswd caddy java curl; do
  command -v "$tool" >/dev/null || { echo "missing: $tool (apt-get install wrk apache2-utils caddy curl)" >&2; exit 1; }
done
mvn -B -q package -DskipTests   # always: a stale jar would measure old code

work=$(mktemp -d)
pids=(); app_pid=""
stop() { # (a bare `wait` would also wait for the upstream)
  [ "${#pids[@]}" -eq 0 ] || { kill "${pids[@]}" 2>/dev/null || true; wait "${pids[@]}" 2>/dev/null || true; }
  pids=()
}
trap 'stop; [ -z "$app_pid" ] || kill "$app_pid" 2>/dev/null || true; rm -rf "$work"' EXIT

run() { # url lua → "requests/s p99-in-ms"
  wrk -t2 -c"$connections" -d"${seconds}s" --latency -s "$2" "$1" | awk '
    function ms(v) { if (v ~ /us$/) return v / 1000; if (v ~ /ms$/) return v + 0; if (v ~ /s$/) return v * 1000; return v }
    $1 == "99%" { p99 = ms($2) }
    /Requests\/sec/ { rps = $2 }
    END { printf "%s %.2f\n", rps, p99 }'
}

printf 'users.file=users.htpasswd\nkey.secret=bench-secret-0123456789abcdef\n' > "$work/app.properties"
: > "$work/users.htpasswd"   # the upstream serves /public/ only: no users
java -Xms256m -Xmx1g -jar target/sessiongate-standalone.jar --config "$work/app.properties" --port=$app_port \
  > "$work/app.log" 2>&1 & app_pid=$!
await_http "http://127.0.0.1:$app_port/health"

summary=()
for scenario in $scenarios; do
  n=${scenario%%:*}; cost=${scenario##*:}; dir="$work/$n"; mkdir -p "$dir"
  echo "== $n rotating users, bcrypt cost $cost"
  COST=$cost etc/bench/rotating-users.sh "$n" "$dir"
  printf 'users.file=users.htpasswd\nkey.secret=bench-secret-0123456789abcdef\nsessions.max-per-ip=100000\n' \
    > "$dir/gate.properties"
  java -Xms512m -Xmx1g -jar target/sessiongate-standalone.jar --config "$dir/gate.properties" --port=$gw_port \
    --upstream.url="http://127.0.0.1:$app_port/public" > "$dir/gateway.log" 2>&1 & pids+=($!)
  { printf '{\n\tadmin off\n\tauto_https off\n}\n:%s {\n\tbasicauth {\n' $caddy_port
    while IFS=: read -r user hash; do printf '\t\t%s %s\n' "$user" "$(printf '%s' "$hash" | base64 -w0)"; done < "$dir/users.htpasswd"
    printf '\t}\n\treverse_proxy 127.0.0.1:%s\n}\n' $app_port; } > "$dir/Caddyfile"
  caddy run --config "$dir/Caddyfile" --adapter caddyfile > "$dir/caddy.log" 2>&1 & pids+=($!)
  await_http "http://127.0.0.1:$gw_port/health"; await_answer "http://127.0.0.1:$caddy_port/"
  gateway="http://127.0.0.1:$gw_port/bench"; caddy="http://127.0.0.1:$caddy_port/public/bench"

  # Warm-up: SessionGate checks each user's password once; Caddy once per user while its cache has room.
  # At least 15 s: the JIT is still compiling the proxy path well after the passwords are checked.
  warm=$(awk -v n="$n" -v c="$cost" 'BEGIN {w = 5 + n * 0.06 * 2^(c - 10) * 0.75; printf "%d", w < 15 ? 15 : w}')
  wrk -t2 -c"$connections" -d"${warm}s" -s "$dir/rotate.lua" "$gateway" >/dev/null
  wrk -t2 -c"$connections" -d"${warm}s" -s "$dir/rotate.lua" "$caddy" >/dev/null
  caddy_rps=(); caddy_p99=(); gw_rps=(); gw_p99=(); ratios=()
  for p in $(seq 1 "$pairs"); do
    read -r c cp <<<"$(run "$caddy" "$dir/rotate.lua")"
    read -r g gp <<<"$(run "$gateway" "$dir/rotate.lua")"
    caddy_rps+=("$c"); caddy_p99+=("$cp"); gw_rps+=("$g"); gw_p99+=("$gp")
    ratios+=("$(awk -v a="$g" -v b="$c" 'BEGIN {printf "%.2f", a / b}')")
    echo "  pair $p: caddy $c rps (p99 $cp ms), gateway $g rps (p99 $gp ms), gateway÷caddy ${ratios[-1]}"
  done
  checks=$(grep -c event=session_created "$dir/gateway.log" || true)
  line="users=$n cost=$cost caddy $(printf '%s\n' "${caddy_rps[@]}" | median) rps p99 $(printf '%s\n' "${caddy_p99[@]}" | median) ms | gateway $(printf '%s\n' "${gw_rps[@]}" | median) rps p99 $(printf '%s\n' "${gw_p99[@]}" | median) ms | median gateway÷caddy $(printf '%s\n' "${ratios[@]}" | median) | gateway password checks $checks"
  echo "  $line"; summary+=("$line")
  stop
done
echo; printf '%s\n' "${summary[@]}"
