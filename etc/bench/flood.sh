#!/usr/bin/env bash
# Wrong-password flood: cached clients' requests/s alone, then while 8 concurrent clients send
# wrong passwords (wrk, 8 connections, rotating user names, bcrypt cost 10 users), once with the
# default throttling and once with throttling off (auth.max-failures very high), so that only the
# bounded pool of password checks protects the cached clients. Prints the ratios and the bytes
# the server logged during the flood (failed logins and refusals are counted per address and
# minute, not logged one by one).
#   etc/bench/flood.sh [seconds=10]
set -euo pipefail
cd "$(dirname "$0")/../.."
. etc/bench/lib.sh
seconds=${1:-10}; port=18211
for tool in wrk htpasswd java curl; do command -v "$tool" >/dev/null || { echo "missing: $tool" >&2; exit 1; }; done
mvn -B -q package -DskipTests   # always: a stale jar would measure old code
work=$(mktemp -d); pid=""
trap 'kill $pid 2>/dev/null || true; rm -rf "$work"' EXIT
etc/bench/rotating-users.sh 50 "$work"
cat > "$work/wrong.lua" <<'LUA'
local i = 0
request = function()
  i = i + 1
  local credentials = "user" .. (i % 50 + 1) .. ":wrong-" .. i
  return wrk.format("POST", "/api/flood", { ["Authorization"] = "Basic " .. base64(credentials) }, "{}")
end
local b = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/"
function base64(data)
  return ((data:gsub(".", function(x)
    local r, byte = "", x:byte()
    for k = 8, 1, -1 do r = r .. (byte % 2 ^ k - byte % 2 ^ (k - 1) > 0 and "1" or "0") end
    return r
  end) .. "0000"):gsub("%d%d%d?%d?%d?%d?", function(x)
    if #x < 6 then return "" end
    local c = 0
    for k = 1, 6 do c = c + (x:sub(k, k) == "1" and 2 ^ (6 - k) or 0) end
    return b:sub(c + 1, c + 1)
  end) .. ({ "", "==", "=" })[#data % 3 + 1])
end
LUA
printf 'users.file=users.htpasswd\nkey.secret=bench-secret-0123456789abcdef\n' > "$work/bench.properties"

measure() { # extra args for the jar → prints "alone during ratio"
  java -Xmx1g -jar target/sessiongate-standalone.jar --config "$work/bench.properties" --port=$port "$@" \
    > "$work/server.log" 2>&1 & pid=$!
  await_http "http://127.0.0.1:$port/health"
  wrk -t1 -c16 -d10s -s "$work/rotate.lua" "http://127.0.0.1:$port/api/cached" >/dev/null   # authenticate the 50 users
  alone=$(wrk -t1 -c16 -d"${seconds}s" -s "$work/rotate.lua" "http://127.0.0.1:$port/api/cached" | awk '/Requests\/sec/ {print $2}')
  local before; before=$(wc -c < "$work/server.log")
  wrk -t1 -c8 -d"$((seconds + 4))s" -s "$work/wrong.lua" "http://127.0.0.1:$port/" > "$work/flood.txt" &
  local flood_pid=$!
  sleep 2
  during=$(wrk -t1 -c16 -d"${seconds}s" -s "$work/rotate.lua" "http://127.0.0.1:$port/api/cached" | awk '/Requests\/sec/ {print $2}')
  wait $flood_pid || true
  local logged=$(( $(wc -c < "$work/server.log") - before ))
  kill $pid; wait $pid 2>/dev/null || true
  flood=$(awk '/Requests\/sec/ {print $2}' "$work/flood.txt")
  echo "$alone $during $(awk -v a="$during" -v b="$alone" 'BEGIN {printf "%.3f", a / b}') $flood $logged"
}
read -r a d r f l <<< "$(measure)"
echo "throttling on : cached alone $a rps, during the flood $d rps, kept $r; flood answered $f rps (mostly 429); logged $l bytes"
read -r a d r f l <<< "$(measure --auth.max-failures=1000000 ${FLOOD_ARGS:-})"
echo "throttling off: cached alone $a rps, during the flood $d rps, kept $r; flood answered $f rps (401, bounded pool); logged $l bytes"
