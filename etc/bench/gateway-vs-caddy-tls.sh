#!/usr/bin/env bash
# Gateway mode against Caddy over TLS, side by side in one run: SessionGate's gateway (standalone
# jar with upstream.url and tls.cert/tls.key) and Caddy's basicauth + reverse_proxy with the same
# certificate (a P-256 key from a CA made here), both in front of the same plain-HTTP upstream (a
# third standalone jar's /public/), with rotating Basic users (50 at bcrypt cost 10 by default).
# HTTP/1.1 over TLS: wrk, rotating the users. HTTP/2 over TLS: h2load where installed, else curl
# (nghttp2) multiplexing H2_REQUESTS POSTs of user1 over one connection, at most STREAMS_H2 at once.
# A third jar, the same gateway on plain HTTP, is measured with wrk beside them: TLS's own cost.
# Interleaved pairs (Caddy, then the gateway); prints each pair's requests/s and p99 and the
# medians and the ratio gateway ÷ caddy per protocol. Needs wrk, htpasswd, caddy, curl, openssl.
#
#   USERS=50 COST=10 PAIRS=3 SECONDS_EACH=10 CONNECTIONS=32 WARM_SECONDS=30 etc/bench/gateway-vs-caddy-tls.sh
set -euo pipefail
cd "$(dirname "$0")/../.."
. etc/bench/lib.sh
users=${USERS:-50}; cost=${COST:-10}; pairs=${PAIRS:-3}; seconds=${SECONDS_EACH:-10}; warm=${WARM_SECONDS:-30}
connections=${CONNECTIONS:-32}; h2_requests=${H2_REQUESTS:-20000}; h2_streams=${STREAMS_H2:-32}
app_port=18221; gw_port=18222; caddy_port=18223; plain_port=18224
for tool in wrk htpasswd caddy java curl openssl; do
  command -v "$tool" >/dev/null || { echo "missing: $tool (apt-get install wrk apache2-utils caddy curl openssl)" >&2; exit 1; }
done
[ -n "${SKIP_BUILD:-}" ] || mvn -B -q package -DskipTests   # a stale jar would measure old code

work=$(mktemp -d)
pids=()
trap '[ "${#pids[@]}" -eq 0 ] || kill "${pids[@]}" 2>/dev/null || true; wait 2>/dev/null || true; rm -rf "$work"' EXIT

# A CA and a server certificate for localhost and 127.0.0.1, P-256 keys.
openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -subj /CN=bench-ca -days 2 \
  -keyout "$work/ca.key" -out "$work/ca.pem" 2>/dev/null
openssl req -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -subj /CN=localhost \
  -keyout "$work/key.pem" -out "$work/server.csr" 2>/dev/null
printf 'subjectAltName=DNS:localhost,IP:127.0.0.1\n' > "$work/san.ext"
openssl x509 -req -in "$work/server.csr" -CA "$work/ca.pem" -CAkey "$work/ca.key" -CAcreateserial -days 2 \
  -extfile "$work/san.ext" -out "$work/cert.pem" 2>/dev/null

run_h1() { # url → "requests/s p99-in-ms"
  wrk -t2 -c"$connections" -d"${seconds}s" --latency -s "$work/rotate.lua" "$1" | awk '
    function ms(v) { if (v ~ /us$/) return v / 1000; if (v ~ /ms$/) return v + 0; if (v ~ /s$/) return v * 1000; return v }
    $1 == "99%" { p99 = ms($2) }
    /Requests\/sec/ { rps = $2 }
    END { printf "%s %.2f\n", rps, p99 }'
}
run_h2() { # url → "requests/s p99-in-ms"
  if command -v h2load >/dev/null; then
    h2load -n "$h2_requests" -c 1 -m "$h2_streams" -d "$work/body.json" \
      -H "Authorization: Basic $(printf 'user1:password-1' | base64 -w0)" "$1" \
      | awk '/finished in/ { rps = $4 } END { printf "%s n/a\n", rps }'
  else
    [ -f "$work/h2.curl" ] || for _ in $(seq 1 "$h2_requests"); do printf 'url = "%s"\noutput = "/dev/null"\n' "$1"; done \
      | sed "s|$1|URL|" > "$work/h2.curl"
    local start end
    start=$(date +%s.%N)
    sed "s|URL|$1|" "$work/h2.curl" | curl -sS --parallel --parallel-max "$h2_streams" --http2 --cacert "$work/ca.pem" \
      -u user1:password-1 -d '{}' -w '%{http_code} %{http_version} %{time_total}\n' --config - > "$work/h2.out" 2> "$work/h2.err"
    end=$(date +%s.%N)
    local n p99
    n=$(wc -l < "$work/h2.out")
    awk '$1 != 200 || $2 != 2 { bad++ } END { if (bad) print "not 200 over h2: " bad > "/dev/stderr" }' "$work/h2.out"
    p99=$(awk '{ print $3 * 1000 }' "$work/h2.out" | sort -n | awk -v n="$n" 'NR == int(n * 0.99) { print }')
    awk -v n="$n" -v s="$start" -v e="$end" -v p="$p99" 'BEGIN { printf "%.2f %.2f\n", n / (e - s), p }'
  fi
}

printf 'users.file=users.htpasswd\nkey.secret=bench-secret-0123456789abcdef\n' > "$work/app.properties"
: > "$work/users.htpasswd"   # the upstream serves /public/ only: no users
java -Xms256m -Xmx1g -jar target/sessiongate-standalone.jar --config "$work/app.properties" --port=$app_port \
  > "$work/app.log" 2>&1 & pids+=($!)
await_http "http://127.0.0.1:$app_port/health"

echo "== $users rotating users, bcrypt cost $cost, TLS (P-256, TLS 1.3)"
COST=$cost etc/bench/rotating-users.sh "$users" "$work"
printf 'users.file=users.htpasswd\nkey.secret=bench-secret-0123456789abcdef\nsessions.max-per-ip=100000\n' \
  > "$work/gate.properties"
java -Xms512m -Xmx1g -jar target/sessiongate-standalone.jar --config "$work/gate.properties" --port=$gw_port \
  --tls.cert="$work/cert.pem" --tls.key="$work/key.pem" \
  --upstream.url="http://127.0.0.1:$app_port/public" > "$work/gateway.log" 2>&1 & pids+=($!)
{ printf '{\n\tadmin off\n\tauto_https off\n}\nhttps://localhost:%s {\n\ttls %s %s\n\tbasicauth {\n' \
    $caddy_port "$work/cert.pem" "$work/key.pem"
  while IFS=: read -r user hash; do printf '\t\t%s %s\n' "$user" "$(printf '%s' "$hash" | base64 -w0)"; done < "$work/users.htpasswd"
  printf '\t}\n\treverse_proxy 127.0.0.1:%s\n}\n' $app_port; } > "$work/Caddyfile"
java -Xms512m -Xmx1g -jar target/sessiongate-standalone.jar --config "$work/gate.properties" --port=$plain_port \
  --upstream.url="http://127.0.0.1:$app_port/public" > "$work/plain.log" 2>&1 & pids+=($!)
caddy run --config "$work/Caddyfile" --adapter caddyfile > "$work/caddy.log" 2>&1 & pids+=($!)
for _ in $(seq 1 120); do curl -sf --cacert "$work/ca.pem" -o /dev/null "https://localhost:$gw_port/health" && break; sleep 0.5; done
for _ in $(seq 1 120); do curl -s --cacert "$work/ca.pem" -o /dev/null "https://localhost:$caddy_port/" && break; sleep 0.5; done
await_http "http://127.0.0.1:$plain_port/health"; printf '{}' > "$work/body.json"
gateway="https://localhost:$gw_port/bench"; caddy="https://localhost:$caddy_port/public/bench"
plain="http://127.0.0.1:$plain_port/bench"
for url in "$gateway" "$caddy"; do   # both really speak h2 and h1 with this certificate
  curl -sS --cacert "$work/ca.pem" --http2 -u user1:password-1 -o /dev/null -w "%{http_version} %{http_code} $url\n" -X POST "$url"
done

# Warm-up: every password checked (SessionGate once; Caddy into its cache), the JIT, both protocols.
# On a loaded machine the gateway's JIT is still improving after 15 s: 30 s by default.
wrk -t2 -c"$connections" -d"${warm}s" -s "$work/rotate.lua" "$gateway" >/dev/null
wrk -t2 -c"$connections" -d"${warm}s" -s "$work/rotate.lua" "$caddy" >/dev/null
wrk -t2 -c"$connections" -d"${warm}s" -s "$work/rotate.lua" "$plain" >/dev/null
run_h2 "$gateway" >/dev/null; run_h2 "$caddy" >/dev/null

summary=()
for protocol in h1 h2; do
  caddy_rps=(); caddy_p99=(); gw_rps=(); gw_p99=(); ratios=(); plain_rps=(); tls_ratios=()
  for p in $(seq 1 "$pairs"); do
    read -r c cp <<<"$("run_$protocol" "$caddy")"
    read -r g gp <<<"$("run_$protocol" "$gateway")"
    caddy_rps+=("$c"); caddy_p99+=("$cp"); gw_rps+=("$g"); gw_p99+=("$gp")
    ratios+=("$(awk -v a="$g" -v b="$c" 'BEGIN {printf "%.2f", a / b}')")
    extra=""
    if [ "$protocol" = h1 ]; then
      read -r n np <<<"$(run_h1 "$plain")"
      plain_rps+=("$n"); tls_ratios+=("$(awk -v a="$g" -v b="$n" 'BEGIN {printf "%.2f", a / b}')")
      extra=", plain-HTTP gateway $n rps (p99 $np ms), TLS÷plain ${tls_ratios[-1]}"
    fi
    echo "  $protocol pair $p: caddy $c rps (p99 $cp ms), gateway $g rps (p99 $gp ms), gateway÷caddy ${ratios[-1]}$extra"
  done
  line="$protocol users=$users cost=$cost caddy $(printf '%s\n' "${caddy_rps[@]}" | median) rps p99 $(printf '%s\n' "${caddy_p99[@]}" | median) ms | gateway $(printf '%s\n' "${gw_rps[@]}" | median) rps p99 $(printf '%s\n' "${gw_p99[@]}" | median) ms | median gateway÷caddy $(printf '%s\n' "${ratios[@]}" | median)"
  [ "$protocol" = h2 ] || line="$line | plain-HTTP gateway $(printf '%s\n' "${plain_rps[@]}" | median) rps, median TLS÷plain $(printf '%s\n' "${tls_ratios[@]}" | median)"
  echo "  $line"; summary+=("$line")
done
echo "gateway password checks: $(grep -c event=session_created "$work/gateway.log" || true)"
echo; printf '%s\n' "${summary[@]}"
