# Shared by the load scripts in etc/bench: sourced, not run.

# The median of the numbers on standard input, one a line.
median() {
  sort -n | awk '{a[NR] = $1} END {print (NR % 2) ? a[(NR + 1) / 2] : (a[NR / 2] + a[NR / 2 + 1]) / 2}'
}

# Waits up to a minute for URL to answer 2xx.
await_http() {
  for _ in $(seq 1 120); do curl -sf -o /dev/null "$1" && return 0; sleep 0.5; done
  echo "no answer from $1" >&2
  exit 1
}

# Waits up to a minute for URL to answer anything (a 401 included).
await_answer() {
  for _ in $(seq 1 120); do curl -s -o /dev/null "$1" && return 0; sleep 0.5; done
  echo "no answer from $1" >&2
  exit 1
}
