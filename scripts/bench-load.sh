#!/usr/bin/env bash
# A thousand students on one `labgrid serve`: starts serve --demo (1,000
# simulated students in 50 accounts, a throwaway PostgreSQL) on loopback,
# opens every student's live stream and 10 instructor grids with
# `labgrid loadtest`, lets the class change for WINDOW seconds (its day
# begun ELAPSED ago: its first minutes change nothing) and prints
# the figures, one a line ("name: value unit"). Then, unless IDLE=0, the
# same streams on a serve whose class is scanned once and then left alone
# (--interval 1h): its CPU is the cost of idle streams (idle_* figures).
# Then, unless REPLICAS=0, the first run again on two serves of one
# database, as two replicas behind a load balancer: the second serve
# takes the first's demo class and lives the same day, both scan it, and
# the streams and grids are split between them (replicas_* figures;
# serve_rss_mb and serve_cpu_pct are the two processes' summed,
# postgres_cpu_pct the first's children's, the throwaway PostgreSQL).
# replicas_double_scans counts the pairs of scans of one target that ran
# at once (from River's table): it must be 0.
#
#   scripts/bench-load.sh [BIN]      (make bench-load)
#   STUDENTS=1000 ACCOUNTS=50 GRIDS=10 WINDOW=90 WARMUP=20 ELAPSED=5m
#   INTERVAL=15s GRACE=20 IDLE_WINDOW=30 IDLE=1 REPLICAS=1
# An update whose event has not come GRACE seconds after the window is
# counted lost.
set -euo pipefail

BIN=${1:-bin/labgrid}
STUDENTS=${STUDENTS:-1000}
ACCOUNTS=${ACCOUNTS:-50}
GRIDS=${GRIDS:-10}
WINDOW=${WINDOW:-90}
WARMUP=${WARMUP:-20}
ELAPSED=${ELAPSED:-5m}
INTERVAL=${INTERVAL:-15s}
GRACE=${GRACE:-20}
IDLE=${IDLE:-1}
IDLE_WINDOW=${IDLE_WINDOW:-30}
REPLICAS=${REPLICAS:-1}

[ -r /proc/self/stat ] || { echo "bench-load: needs Linux /proc" >&2; exit 1; }
out=$(mktemp -d)
pids=() # the serves running
stop_serves() {
	for p in "${pids[@]}"; do
		kill -TERM "$p" 2>/dev/null || true
	done
	for p in "${pids[@]}"; do
		wait "$p" 2>/dev/null || true
	done
	pids=()
}
cleanup() { stop_serves; rm -rf "$out"; }
trap cleanup EXIT

# This run's secret and password: the generator needs both.
LABGRID_SECRET=$(head -c 33 /dev/urandom | base64 | tr '+/' '-_' | tr -d '=\n')
LABGRID_ADMIN_PASSWORD=$(head -c 18 /dev/urandom | base64 | tr '+/' '-_' | tr -d '=\n')
export LABGRID_SECRET LABGRID_ADMIN_PASSWORD

# start_serve N ARGS…: serve --demo number N, on its own throwaway
# PostgreSQL unless ARGS name a database; sets pid, url and db (that
# throwaway PostgreSQL's URL, if it started one).
start_serve() {
	local n=$1
	shift
	# Made here: the child opens them a moment after the loop first looks.
	: >"$out/stdout$n"
	: >"$out/stderr$n"
	env -u DATABASE_URL "$BIN" serve --demo --demo-students "$STUDENTS" --demo-accounts "$ACCOUNTS" \
		--addr 127.0.0.1:0 --log-level warn "$@" >"$out/stdout$n" 2>"$out/stderr$n" &
	pid=$!
	pids+=("$pid")
	for _ in $(seq 1 1200); do
		grep -q "labgrid is running" "$out/stdout$n" && break
		kill -0 "$pid" 2>/dev/null || { cat "$out/stderr$n" >&2; exit 1; }
		sleep 0.1
	done
	grep -q "labgrid is running" "$out/stdout$n" || { echo "bench-load: serve did not start" >&2; exit 1; }
	url=$(sed -n 's/.*labgrid is running: open \(http[^ ]*\)\/$/\1/p' "$out/stdout$n")
	db=$(sed -n 's/^throwaway PostgreSQL: \([^ ]*\) .*/\1/p' "$out/stdout$n")
}

# warnings: the serves' warnings and errors, on stderr.
warnings() { cat "$out"/stderr* | grep -E "level=(WARN|ERROR)" >&2 || true; }

start_serve 1 --demo-elapsed "$ELAPSED" --interval "$INTERVAL"
sleep "$WARMUP" # the first scans: every student's results are new
DATABASE_URL=$db "$BIN" loadtest --url "$url" --grids "$GRIDS" --window "${WINDOW}s" --grace "${GRACE}s" --serve-pid "$pid"
warnings
stop_serves
rm -f "$out"/std*

if [ "$IDLE" != 0 ]; then
	start_serve 1 --interval 1h
	sleep "$WARMUP"
	DATABASE_URL=$db "$BIN" loadtest --url "$url" --grids "$GRIDS" --window "${IDLE_WINDOW}s" --serve-pid "$pid" |
		sed -n 's/^\(clients\|updates\|serve_rss_mb\|serve_cpu_pct\|postgres_cpu_pct\): /idle_\1: /p'
	warnings
	stop_serves
	rm -f "$out"/std*
fi

if [ "$REPLICAS" != 0 ]; then
	start_serve 1 --demo-elapsed "$ELAPSED" --interval "$INTERVAL"
	url1=$url pid1=$pid db1=$db up1=$(date +%s.%N)
	# The second lives the first's day: its day began ELAPSED before the
	# first was up, to within the first's last steps of starting.
	since=$(awk -v a="$up1" -v b="$(date +%s.%N)" 'BEGIN { printf "%.3f", b - a }')
	start_serve 2 --database-url "$db1" --demo-elapsed "${ELAPSED}${since}s" --interval "$INTERVAL"
	sleep "$WARMUP"
	DATABASE_URL=$db1 "$BIN" loadtest --url "$url1,$url" --grids "$GRIDS" --window "${WINDOW}s" --grace "${GRACE}s" \
		--serve-pid "$pid1,$pid" | sed 's/^/replicas_/'
	warnings
fi
