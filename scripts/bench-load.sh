#!/usr/bin/env bash
# A thousand students on one `labgrid serve`: starts serve --demo (1,000
# simulated students in 50 accounts, a throwaway PostgreSQL) on loopback,
# opens every student's live stream and 10 instructor grids with
# `labgrid loadtest`, lets the class change for WINDOW seconds (its day
# begun ELAPSED ago: its first minutes change nothing) and prints
# the figures, one a line ("name: value unit"). Then, unless IDLE=0, the
# same streams on a serve whose class is scanned once and then left alone
# (--interval 1h): its CPU is the cost of idle streams (idle_* figures).
#
#   scripts/bench-load.sh [BIN]      (make bench-load)
#   STUDENTS=1000 ACCOUNTS=50 GRIDS=10 WINDOW=90 WARMUP=20 ELAPSED=5m
#   INTERVAL=15s GRACE=20 IDLE_WINDOW=30 IDLE=1
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

[ -r /proc/self/stat ] || { echo "bench-load: needs Linux /proc" >&2; exit 1; }
out=$(mktemp -d)
pid=
stop_serve() {
	if [ -n "$pid" ] && kill -0 "$pid" 2>/dev/null; then
		kill -TERM "$pid" 2>/dev/null || true
		wait "$pid" 2>/dev/null || true
	fi
	pid=
}
cleanup() { stop_serve; rm -rf "$out"; }
trap cleanup EXIT

# This run's secret and password: the generator needs both.
LABGRID_SECRET=$(head -c 33 /dev/urandom | base64 | tr '+/' '-_' | tr -d '=\n')
LABGRID_ADMIN_PASSWORD=$(head -c 18 /dev/urandom | base64 | tr '+/' '-_' | tr -d '=\n')
export LABGRID_SECRET LABGRID_ADMIN_PASSWORD

# start_serve ARGS…: serve --demo on its own throwaway PostgreSQL; sets
# pid, url and db.
start_serve() {
	env -u DATABASE_URL "$BIN" serve --demo --demo-students "$STUDENTS" --demo-accounts "$ACCOUNTS" \
		--addr 127.0.0.1:0 --log-level warn "$@" >"$out/stdout" 2>"$out/stderr" &
	pid=$!
	for _ in $(seq 1 1200); do
		grep -q "labgrid is running" "$out/stdout" && break
		kill -0 "$pid" 2>/dev/null || { cat "$out/stderr" >&2; exit 1; }
		sleep 0.1
	done
	grep -q "labgrid is running" "$out/stdout" || { echo "bench-load: serve did not start" >&2; exit 1; }
	url=$(sed -n 's/.*labgrid is running: open \(http[^ ]*\)\/$/\1/p' "$out/stdout")
	db=$(sed -n 's/^throwaway PostgreSQL: \([^ ]*\) .*/\1/p' "$out/stdout")
}

start_serve --demo-elapsed "$ELAPSED" --interval "$INTERVAL"
sleep "$WARMUP" # the first scans: every student's results are new
DATABASE_URL=$db "$BIN" loadtest --url "$url" --grids "$GRIDS" --window "${WINDOW}s" --grace "${GRACE}s" --serve-pid "$pid"
grep -E "level=(WARN|ERROR)" "$out/stderr" >&2 || true
stop_serve

if [ "$IDLE" != 0 ]; then
	start_serve --interval 1h
	sleep "$WARMUP"
	DATABASE_URL=$db "$BIN" loadtest --url "$url" --grids "$GRIDS" --window "${IDLE_WINDOW}s" --serve-pid "$pid" |
		sed -n 's/^\(clients\|updates\|serve_rss_mb\|serve_cpu_pct\|postgres_cpu_pct\): /idle_\1: /p'
	grep -E "level=(WARN|ERROR)" "$out/stderr" >&2 || true
fi
