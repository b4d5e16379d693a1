#!/usr/bin/env bash
# Acceptance (a): the Windows build applies a policy to a loopback connection under Wine,
# and the Linux kernel underneath (Wine maps Winsock onto Linux sockets) shows that
# connection's keep-alive timer, read with `ss`, within the expected range.
#   usage: ss-timer.sh <test .exe holding windows_harness> [<mode> <min_ms> <max_ms>]
#   mode: both (timeout 37 s, interval 7 s; the default), timeout (37 s alone), bare
#   env as for ./wine-runner
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
exe=${1:?usage: ss-timer.sh <test .exe holding windows_harness> [<mode> <min_ms> <max_ms>]}
mode=${2:-both} min_ms=${3:-30000} max_ms=${4:-37000}
fail() { echo "ss-timer: FAIL ($mode): $*" >&2; exit 1; }
# shellcheck source=ss-timer.lib
. "$here/ss-timer.lib"

coproc WIN { KEEPALIVE_HOLD=$mode "$here/wine-runner" "$exe" --ignored --exact windows_harness::wine_hold_for_ss --nocapture --test-threads=1 2>&1; }
# Own copies of the coprocess's pipes: bash drops WIN once it exits.
exec {from_win}<&"${WIN[0]}" {to_win}>&"${WIN[1]}"
win_pid=$WIN_PID
port=
while IFS= read -r -t 120 line <&"$from_win"; do
  echo "    wine | $line"
  if [[ $line =~ ^HOLDING\ port=([0-9]+) ]]; then
    port=${BASH_REMATCH[1]}
    break
  fi
done
[ -n "$port" ] || fail "the Windows side never printed HOLDING"

out=$(ss -tnoi state established "( sport = :$port )")
sed 's/^/    ss   | /' <<<"$out"
[[ $out =~ timer:\(keepalive,([^,]+),([0-9]+)\) ]] ||
  fail "no keep-alive timer on the Windows build's connection (port $port)"
text=${BASH_REMATCH[1]}
ms=$(timer_ms "$text")
# Set a moment ago: at most max_ms left, and not much less.
((ms > min_ms && ms <= max_ms)) ||
  fail "keep-alive timer $text ($ms ms) on port $port; expected ${min_ms}..${max_ms} ms"

# Closing its stdin lets the Windows side end.
exec {to_win}>&- {WIN[1]}>&-
while IFS= read -r line <&"$from_win"; do echo "    wine | $line"; done
wait "$win_pid" || fail "the Windows side failed"
echo "ss-timer: OK ($mode): Linux holds timer:(keepalive,$text) for the Windows build's connection on port $port (expected ${min_ms}..${max_ms} ms)"
