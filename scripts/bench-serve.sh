#!/usr/bin/env bash
# Measures an idle `labgrid serve`: 200 simulated students in 10 accounts
# (10 targets) scanned every 15 s, on a throwaway PostgreSQL. After a
# warm-up (the first scans, the Go runtime settling) it samples the
# process for DURATION seconds and prints its CPU use (percent of one
# core, scans included) and its resident memory.
#
#   scripts/bench-serve.sh [BIN]      (make bench-serve)
#   DURATION=60 WARMUP=20 STUDENTS=200 ACCOUNTS=10 INTERVAL=15s
set -euo pipefail

BIN=${1:-bin/labgrid}
DURATION=${DURATION:-60}
WARMUP=${WARMUP:-20}
STUDENTS=${STUDENTS:-200}
ACCOUNTS=${ACCOUNTS:-10}
INTERVAL=${INTERVAL:-15s}

[ -r /proc/self/stat ] || { echo "bench-serve: needs Linux /proc" >&2; exit 1; }
out=$(mktemp -d)
pid=
cleanup() {
	if [ -n "$pid" ] && kill -0 "$pid" 2>/dev/null; then
		kill -TERM "$pid" 2>/dev/null || true
		wait "$pid" 2>/dev/null || true
	fi
	rm -rf "$out"
}
trap cleanup EXIT

# No DATABASE_URL: serve --demo starts (and removes) its own PostgreSQL.
env -u DATABASE_URL "$BIN" serve --demo --demo-students "$STUDENTS" --demo-accounts "$ACCOUNTS" \
	--interval "$INTERVAL" --addr 127.0.0.1:0 --log-level warn >"$out/stdout" 2>"$out/stderr" &
pid=$!
for _ in $(seq 1 600); do
	grep -q "labgrid is running" "$out/stdout" && break
	kill -0 "$pid" 2>/dev/null || { cat "$out/stderr" >&2; exit 1; }
	sleep 0.1
done
grep -q "labgrid is running" "$out/stdout" || { echo "bench-serve: serve did not start" >&2; exit 1; }
url=$(sed -n 's/.*labgrid is running: open \(http[^ ]*\)\/$/\1/p' "$out/stdout")

hz=$(getconf CLK_TCK)
# utime + stime of a process, in clock ticks (fields 14 and 15; the
# command name, field 2, holds no space for labgrid or postgres).
ticks() { awk '{print $14 + $15}' "/proc/$1/stat" 2>/dev/null || echo 0; }
# The throwaway PostgreSQL: serve's child (the postmaster) and its
# children (each backend in a session of its own, hence no process group).
pgpid=$(awk -v p="$pid" '$4 == p && $2 == "(postgres)" {print $1}' /proc/[0-9]*/stat 2>/dev/null | head -1)
pgticks() {
	[ -n "$pgpid" ] || { echo 0; return; }
	awk -v g="$pgpid" '$1 == g || $4 == g {s += $14 + $15} END {print s + 0}' /proc/[0-9]*/stat 2>/dev/null
}
rss_kb() { awk '/^VmRSS:/ {print $2}' "/proc/$pid/status"; }

sleep "$WARMUP"
t0=$(date +%s.%N); c0=$(ticks "$pid"); p0=$(pgticks)
max_rss=0; sum_rss=0; n=0
end=$(( $(date +%s) + DURATION ))
while [ "$(date +%s)" -lt "$end" ]; do
	r=$(rss_kb); sum_rss=$((sum_rss + r)); n=$((n + 1))
	[ "$r" -gt "$max_rss" ] && max_rss=$r
	sleep 1
done
t1=$(date +%s.%N); c1=$(ticks "$pid"); p1=$(pgticks)
ready=$(curl -fsS "$url/readyz" 2>/dev/null || echo "?")

awk -v c0="$c0" -v c1="$c1" -v p0="$p0" -v p1="$p1" -v t0="$t0" -v t1="$t1" -v hz="$hz" \
	-v avg="$sum_rss" -v n="$n" -v max="$max_rss" \
	-v s="$STUDENTS" -v a="$ACCOUNTS" -v i="$INTERVAL" -v d="$DURATION" 'BEGIN {
	secs = t1 - t0
	printf "labgrid serve, %d students in %d targets, a scan each every %s, over %.0f s:\n", s, a, i, secs
	printf "  CPU (labgrid)      %5.2f %% of one core (scans included)\n", 100 * (c1 - c0) / hz / secs
	printf "  CPU (PostgreSQL)   %5.2f %% of one core (all its processes)\n", 100 * (p1 - p0) / hz / secs
	printf "  RSS                %5.1f MB average, %.1f MB at most (sampled every second)\n", avg / n / 1024, max / 1024
}'
[ "$ready" = "ok" ] || echo "  warning: /readyz answered $ready" >&2
grep -E "level=(WARN|ERROR)" "$out/stderr" >&2 || true
