#!/usr/bin/env bash
# Acceptance (b): the dead-peer test for the Windows build, inside a private network
# namespace. The Windows side (windows_harness::wine_dead_peer) connects over loopback,
# applies timeout 1 s, interval 2 s, retries 3 with apply_best_effort and prints READY;
# this script then sets `lo` down and samples the Linux kernel's keep-alive timer with `ss`
# while the Windows side blocks on a read and times how long the stack takes to give up.
#
# Wine 8 refuses TCP_KEEPCNT like Windows before 10.0.15063, which then always sends 10
# probes. The namespace's net.ipv4.tcp_keepalive_probes is set to 10 so that the Linux
# kernel under Wine behaves as such a Windows; the bound is 1 s + 10 × 2 s = 21 s.
#
# Needs root (unshare -n). Otherwise it says loudly that it skipped, or fails if CI=true.
#   usage: dead-peer.sh <test .exe holding windows_harness>   (env as for ./wine-runner, minus WINEPREFIX)
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
fail() { echo "dead-peer: FAIL: $*" >&2; exit 1; }

# shellcheck source=ss-timer.lib
. "$here/ss-timer.lib"
in_private_netns "the Windows dead-peer test" "$0" "${1:?usage: dead-peer.sh <test .exe holding windows_harness>}"
exe=$2
ip link set lo up
sysctl -qw net.ipv4.tcp_keepalive_probes=10
fresh_wine_prefix # before the clock starts: the first start takes seconds

sample() { # every 100 ms until the connection is gone: "<ms left> <probes sent>"
  local port=$1 out misses=0
  for _ in $(seq 600); do
    out=$(ss -tno state established "( sport = :$port )")
    if [[ $out =~ timer:\(keepalive,([^,]+),([0-9]+)\) ]]; then
      misses=0
      echo "$(timer_ms "${BASH_REMATCH[1]}") ${BASH_REMATCH[2]}"
    else
      echo "# no keep-alive timer: ${out//$'\n'/ | }" >&2
      ((++misses < 10)) || break
    fi
    sleep 0.1
  done
}

coproc WIN { "$here/wine-runner" "$exe" --ignored --exact windows_harness::wine_dead_peer --nocapture --test-threads=1 2>&1; }
# An own copy of the coprocess's output: bash drops WIN once it exits.
exec {from_win}<&"${WIN[0]}"
win_pid=$WIN_PID
port= detected= sampler=
while IFS= read -r -t 180 line <&"$from_win"; do
  echo "    wine | $line"
  if [[ $line =~ ^READY\ port=([0-9]+) ]]; then
    port=${BASH_REMATCH[1]}
    ip link set lo down
    sample "$port" >"$work/samples" 2>"$work/sample-misses" &
    sampler=$!
  fi
  [[ $line =~ ^DETECTED ]] && detected=$line
done
wait "$win_pid" || fail "the Windows side failed (see above)"
[ -n "$port" ] || fail "the Windows side never printed READY"
[ -n "$detected" ] || fail "the Windows side never printed DETECTED"
[ -z "$sampler" ] || wait "$sampler" || true

# While probing, the timer counts down the interval (2 s; the default sent for an unset
# interval would be 1 s), and the probe count passes the 3 that TCP_KEEPCNT would have set.
max_ms=0 max_probes=0
tail -n 3 "$work/sample-misses" | sed 's/^/    ss   | /'
while read -r ms probes; do
  ((probes > max_probes)) && max_probes=$probes
  ((probes >= 1 && ms > max_ms)) && max_ms=$ms
done <"$work/samples"
echo "    ss   | $(wc -l <"$work/samples") samples after lo down: longest timer between probes ${max_ms} ms, most probes sent ${max_probes}"
((max_ms > 1000 && max_ms <= 2000)) ||
  fail "timer between probes peaked at ${max_ms} ms; the policy's interval is 2 s"
((max_probes > 3 && max_probes <= 10)) ||
  fail "${max_probes} probes seen; expected Windows' fixed 10 (TCP_KEEPCNT left out)"
echo "dead-peer: OK: ${detected#DETECTED }"
