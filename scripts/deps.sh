#!/usr/bin/env bash
# deps.sh run|test: install, from the system's packages, what `make run`
# or `make test` needs and the machine lacks. Go is the only thing it
# assumes. Used by the Makefile, and so by .ci/run.
#
#   run:  PostgreSQL's server binaries (initdb, postgres): with no
#         DATABASE_URL, `labgrid serve --demo` starts a throwaway cluster.
#   test: the same (every database test starts its own throwaway cluster);
#         a C compiler, which `go test -race` needs; and Chromium with CJK
#         fonts: the end-to-end test drives the pages in a real headless
#         browser, and they are in Japanese.
#
# It installs with apt-get as root, or through sudo; when neither is
# possible it prints the exact command to run and stops with status 1.
# LABGRID_SKIP_DEPS=1 skips it (a machine set up some other way).
# LABGRID_PG_BIN_GLOB (default /usr/lib/postgresql/*/bin, where Debian keeps
# initdb off PATH) and LABGRID_CHROMIUM (the browser the end-to-end test
# runs) are where else to look.
set -euo pipefail

purpose=${1:-}
case "$purpose" in
run | test) ;;
*)
	echo "usage: $0 run|test" >&2
	exit 2
	;;
esac
[ "${LABGRID_SKIP_DEPS:-}" = 1 ] && exit 0

pg_glob=${LABGRID_PG_BIN_GLOB:-/usr/lib/postgresql/*/bin}

have_postgres() {
	command -v initdb >/dev/null 2>&1 && return 0
	local dir
	for dir in $pg_glob; do
		[ -x "$dir/initdb" ] && return 0
	done
	return 1
}

have_chromium() {
	local path
	for path in ${LABGRID_CHROMIUM:-/usr/bin/chromium /usr/bin/chromium-browser}; do
		[ -x "$path" ] && return 0
	done
	return 1
}

packages=()
reasons=()
if ! have_postgres; then
	packages+=(postgresql)
	reasons+=("postgresql: a throwaway database for 'make $purpose' (no initdb on PATH nor in $pg_glob)")
fi
if [ "$purpose" = test ] && ! command -v gcc >/dev/null 2>&1; then
	packages+=(gcc libc6-dev)
	reasons+=("gcc, libc6-dev: the race detector of 'go test -race' is built with cgo")
fi
if [ "$purpose" = test ] && ! have_chromium; then
	packages+=(chromium fonts-noto-cjk)
	reasons+=("chromium, fonts-noto-cjk: the end-to-end test drives the pages, in Japanese, in a headless browser")
fi
[ ${#packages[@]} -eq 0 ] && exit 0

echo "labgrid: 'make $purpose' needs packages this machine lacks:"
printf '  - %s\n' "${reasons[@]}"

install_cmd="apt-get update && apt-get install -y ${packages[*]}"
if ! command -v apt-get >/dev/null 2>&1; then
	echo "labgrid: this machine has no apt-get; install them with its package manager" >&2
	echo "  (PostgreSQL's server with initdb; for the tests gcc and Chromium), then run 'make $purpose' again." >&2
	exit 1
fi

# as_root runs its arguments as root: directly, through sudo without a
# password, or through sudo asking for one when someone is at the terminal.
as_root=()
if [ "$(id -u)" -eq 0 ]; then
	as_root=(env)
elif command -v sudo >/dev/null 2>&1 && sudo -n true 2>/dev/null; then
	as_root=(sudo -n)
elif command -v sudo >/dev/null 2>&1 && [ -t 0 ]; then
	echo "labgrid: installing through sudo (it may ask for your password)"
	as_root=(sudo)
else
	echo "labgrid: cannot install them: not root and no usable sudo. Run as root:" >&2
	echo "  $install_cmd" >&2
	echo "then run 'make $purpose' again." >&2
	exit 1
fi

echo "labgrid: installing: ${packages[*]}"
"${as_root[@]}" DEBIAN_FRONTEND=noninteractive apt-get update -qq
# Ubuntu names Debian's chromium package chromium-browser.
if [[ " ${packages[*]} " == *" chromium "* ]] && ! apt-cache show chromium >/dev/null 2>&1; then
	packages=("${packages[@]/#chromium/chromium-browser}")
fi
"${as_root[@]}" DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "${packages[@]}" >/dev/null
echo "labgrid: installed: ${packages[*]}"
