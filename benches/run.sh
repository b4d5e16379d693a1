#!/usr/bin/env bash
# All of the benchmarks, in one run, each printing its ratio (figures in BENCHMARKS.md):
#   1. apply through #[keepalive] vs hand-written socket2: divan table, then the ratio of
#      medians (target <= 1.02) and heap allocations of each (target 0)  -- cargo bench
#   2. dead-peer detection, measured / bound, three policies, private netns -- cargo bench
#   2b. keep-alive status vs a raw getsockopt(TCP_INFO): ratio of medians, heap
#      allocations (target 0), 10 000 connections polled, by hand, by a watch and by
#      NETLINK_SOCK_DIAG dumps                                          -- cargo bench
#   3. system calls per apply and per read-back under strace (target 4, 5 with user_timeout)
#   4. compile cost: 1 / 100 / 1 000 structs, macro vs hand-written impls, cold and
#      incremental (targets: macro adds <= 1 s cold, ratio at 1 000 <= 1.3)
# Needs root for (2) (`unshare -n`; it says SKIPPED otherwise) and installs strace for (3).
set -euo pipefail
cd "$(dirname "$0")/.."
export CARGO_TARGET_DIR="${CARGO_TARGET_DIR:-$PWD/target}"

section() { printf '\n===== %s\n' "$*"; }

section "machine"
echo "nproc:  $(nproc)"
echo "cpu:    $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2- | sed 's/^ *//')"
echo "kernel: $(uname -srm)"
echo "rustc:  $(rustc -V)"
echo "load:   $(cut -d' ' -f1-3 /proc/loadavg)"

section "apply: generated vs socket2 by hand; heap allocations"
cargo bench -q -p keepalive-benches --bench apply

section "dead-peer detection: measured / bound"
cargo bench -q -p keepalive-benches --bench dead_peer

section "keep-alive status vs raw getsockopt(TCP_INFO); allocations; 10 000 connections; sock_diag"
cargo bench -q -p keepalive-benches --bench status

section "system calls per apply"
bash benches/syscalls.sh

section "compile cost"
bash benches/compile-cost.sh
