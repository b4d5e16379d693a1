#!/usr/bin/env bash
# Acceptance (a): the Windows build applies timeout 37 s, interval 7 s to a loopback
# connection under Wine, and the Linux kernel underneath (Wine maps Winsock onto Linux
# sockets) shows that connection's keep-alive timer at 37 s or just under, read with `ss`.
#   usage: ss-timer.sh <windows_harness .exe>   (env as for ./wine-runner)
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
exe=${1:?usage: ss-timer.sh <windows_harness .exe>}
fail() { echo "ss-timer: FAIL: $*" >&2; exit 1; }
# shellcheck source=ss-timer.lib
. "$here/ss-timer.lib"

coproc WIN { "$here/wine-runner" "$exe" --ignored --exact wine_hold_for_ss --nocapture --test-threads=1 2>&1; }
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
# Set a moment ago with a 37 s idle time: at most 37 s left, and not much less.
((ms > 30000 && ms <= 37000)) ||
  fail "keep-alive timer $text ($ms ms) on port $port; the policy's timeout is 37 s"

# Closing its stdin lets the Windows side end.
exec {to_win}>&- {WIN[1]}>&-
while IFS= read -r line <&"$from_win"; do echo "    wine | $line"; done
wait "$win_pid" || fail "the Windows side failed"
echo "ss-timer: OK: Linux holds timer:(keepalive,$text) for the Windows build's connection on port $port (policy timeout 37 s)"
