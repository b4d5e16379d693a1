#!/usr/bin/env bash
# Acceptance (c): a bare `#[keepalive]` leaves the OS's idle time alone, and a single time
# is set with its own option. Inside a private network namespace whose
# net.ipv4.tcp_keepalive_time is 600 s (neither Linux's 7200 s nor Windows' documented
# 2 h default), `ss` must show ~600 s for the bare policy: sending SIO_KEEPALIVE_VALS with
# the 2 h default would show ~7200 s. A timeout of 37 s written alone must show ~37 s; the
# Windows side prints whether TCP_KEEPIDLE took it or SIO_KEEPALIVE_VALS (the fallback,
# interval at its 1 s default) did.
#
# Needs root (unshare -n). Otherwise it says loudly that it skipped, or fails if CI=true.
#   usage: os-idle.sh <test .exe holding windows_harness>   (env as for ./wine-runner, minus WINEPREFIX)
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
fail() { echo "os-idle: FAIL: $*" >&2; exit 1; }

# shellcheck source=ss-timer.lib
. "$here/ss-timer.lib"
in_private_netns "the OS idle-time check" "$0" "${1:?usage: os-idle.sh <test .exe holding windows_harness>}"
exe=$2
ip link set lo up
sysctl -qw net.ipv4.tcp_keepalive_time=600
fresh_wine_prefix # before the clock starts: the first start takes seconds

"$here/ss-timer.sh" "$exe" bare 590000 600000 || fail "the bare policy changed the idle time"
"$here/ss-timer.sh" "$exe" timeout 30000 37000 || fail "a timeout written alone was not set"
echo "os-idle: OK: bare policy kept the namespace's 600 s idle time; timeout alone set 37 s"
