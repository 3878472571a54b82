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

# Runs PAIRS interleaved pairs of the caller's `run URL` (which prints requests/s): BASE_URL, then
# CANDIDATE_URL; reports each pair on standard error and prints the median ratio candidate ÷ base.
#   median=$(interleave PAIRS BASE_URL CANDIDATE_URL LABEL_BASE LABEL_CANDIDATE)
interleave() {
  local pairs=$1 base=$2 candidate=$3 base_label=$4 candidate_label=$5 ratios=() p b c ratio
  for p in $(seq 1 "$pairs"); do
    b=$(run "$base"); c=$(run "$candidate")
    ratio=$(awk -v a="$c" -v b="$b" 'BEGIN {printf "%.3f", a / b}')
    ratios+=("$ratio")
    echo "pair $p: $base_label $b rps, $candidate_label $c rps, $candidate_label÷$base_label $ratio" >&2
  done
  printf '%s\n' "${ratios[@]}" | median
}
