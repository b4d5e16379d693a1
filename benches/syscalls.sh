#!/usr/bin/env bash
# System calls per apply, counted with `strace -f -c -e trace=setsockopt,getsockopt` on the
# `apply_once` example. Each mode is counted against a `baseline` run that does the same
# loopback setup and nothing else, so the difference is the mode's own cost.
# Target on Linux: 4 for idle + interval + retries, 5 with user_timeout.
set -euo pipefail
cd "$(dirname "$0")/.."

if ! command -v strace >/dev/null; then
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -qq
  apt-get install -y -qq --no-install-recommends strace
fi

export CARGO_TARGET_DIR="${CARGO_TARGET_DIR:-$PWD/target}"
cargo build -q --release -p keepalive-benches --example apply_once
bin="$CARGO_TARGET_DIR/release/examples/apply_once"

# "setsockopt getsockopt" call counts of one run, from strace's summary table.
count() {
  strace -f -c -e trace=setsockopt,getsockopt -o /dev/stdout "$bin" "$1" |
    awk '$NF == "setsockopt" { s = $4 } $NF == "getsockopt" { g = $4 }
         END { print (s ? s : 0), (g ? g : 0) }'
}

read -r base_set base_get < <(count baseline)
printf 'baseline (loopback setup only): %s setsockopt, %s getsockopt\n' "$base_set" "$base_get"
printf '%-28s %10s %10s %6s  %s\n' mode setsockopt getsockopt total target
row() {
  local mode=$1 target=$2 set get
  read -r set get < <(count "$mode")
  set=$((set - base_set)) get=$((get - base_get))
  printf '%-28s %10s %10s %6s  %s\n' "$mode" "$set" "$get" $((set + get)) "$target"
}
row generated              "4 (idle, interval, count, SO_KEEPALIVE)"
row socket2                "hand-written socket2, same knobs"
row generated-user-timeout "5 (+ TCP_USER_TIMEOUT)"
row socket2-user-timeout   "hand-written socket2, same knobs"
row runtime-socket2-socket "apply() on a socket2::Socket: + SO_TYPE check"
row read-back              "keepalive_report(): 5 getsockopt"
row socket2-read           "hand-written socket2 reads, same 5"

echo
echo "The calls of one apply through the generated code (3 knobs, then with user_timeout);"
echo "the first line of each, SO_REUSEADDR on fd 3, is std binding the listener (setup):"
for mode in generated generated-user-timeout; do
  strace -e trace=setsockopt,getsockopt -o /dev/stdout "$bin" "$mode" | grep -v '^+++'
  echo
done
