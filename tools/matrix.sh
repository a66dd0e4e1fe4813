#!/bin/bash
# matrix.sh - build the ptp-pure modules with -Werror against every kernel
# series of the matrix (see tools/kcache.sh) and report.
#
# Usage: tools/matrix.sh [SERIES...]
#   Series default to $SERIES (space-separated) or else `kcache.sh list`.
#
# For each series the sources (git-tracked plus untracked-but-not-ignored
# files) are copied into a fresh $BUILD/KREL/src, then
#   make -C src KDIR=$KDIR [CC=$KCC] [ARCH=$KARCH CROSS_COMPILE=$KCROSS] \
#        PTP_PURE_WERROR=1 PTP_PURE_TESTMOD=1 modules
#        (the test backend is built too: the VM tests load it)
# runs (inside the build chroot for series 7, via `kcache.sh run`), logging
# to $BUILD/KREL/build.log.  A kernel fails if make fails, or if the
# log has a compiler "warning:" or modpost "WARNING:" line, or if no .ko
# was produced.  One line per kernel on stdout:
#   PASS matrix 6.1 (6.1.0-56-amd64): a.ko b.ko (12s)
#   FAIL matrix 6.1 (6.1.0-56-amd64): <reason> (12s)
# then "matrix: N passed, N failed".  Offending log lines go to stderr.
# Exit status is non-zero if any kernel failed.
#
# Environment: PTP_PURE_CACHE (cache root), PTP_PURE_BUILD (build outputs,
# default $PTP_PURE_CACHE/build: give each work tree its own), MATRIX_SRC (source tree to build
# instead of this repository; copied whole if it is not a git work tree),
# MATRIX_JOBS (make -j, default: number of CPUs).
set -euo pipefail

HERE=$(cd "$(dirname "$0")" && pwd)
KCACHE=$HERE/kcache.sh
CACHE=$(realpath -m "${PTP_PURE_CACHE:-/var/cache/ptp-pure}")
BUILD=$(realpath -m "${PTP_PURE_BUILD:-$CACHE/build}")
JOBS=${MATRIX_JOBS:-$(nproc)}
MAX_LINES=20

SRC_ROOT=${MATRIX_SRC:-$(git -C "$HERE" rev-parse --show-toplevel)}
SRC_ROOT=$(realpath "$SRC_ROOT")

# Copy the source tree $SRC_ROOT to $1 (which must not exist).
copy_sources() {
	local dest=$1
	mkdir -p "$dest"
	if git -C "$SRC_ROOT" rev-parse --is-inside-work-tree >/dev/null 2>&1; then
		# Tracked files deleted in the work tree are skipped.
		(cd "$SRC_ROOT" && git ls-files -z -co --exclude-standard) |
			(cd "$SRC_ROOT" && tar --null -T - --ignore-failed-read -cf - 2>/dev/null) |
			tar -xf - -C "$dest"
	else
		cp -a "$SRC_ROOT/." "$dest/"
	fi
}

# Lines of log $1 that make a build fail: compiler warnings and modpost
# WARNINGs (plus errors, for context when make failed).
offending_lines() {
	grep -E 'warning:|WARNING:|error:|ERROR:|Error [0-9]+' "$1" || true
}

# Build series $1; prints the result line, returns non-zero on failure.
build_series() {
	local s=$1 t0=$SECONDS env krel='?' dir log rc=0 kos bad n
	local -a mk
	KREL='' KDIR='' KARCH='' KCROSS='' KCC=''
	if ! env=$("$KCACHE" kdir "$s"); then
		echo "FAIL matrix $s ($krel): kcache.sh kdir $s failed ($((SECONDS - t0))s)"
		return 1
	fi
	eval "$env"
	krel=$KREL
	dir=$BUILD/$KREL
	log=$dir/build.log
	mkdir -p "$dir"
	# One build per kernel at a time.
	exec 8>"$dir/.lock"
	flock 8
	rm -rf "$dir/src"
	if ! copy_sources "$dir/src"; then
		echo "FAIL matrix $s ($krel): cannot copy $SRC_ROOT to $dir/src"
		return 1
	fi
	mk=(make -j"$JOBS" -C "$dir/src" KDIR="$KDIR" PTP_PURE_WERROR=1 PTP_PURE_TESTMOD=1)
	[[ -z $KCC ]] || mk+=(CC="$KCC")
	[[ -z $KCROSS ]] || mk+=(ARCH="$KARCH" CROSS_COMPILE="$KCROSS")
	mk+=(modules)
	{
		printf '# %s\n' "$(date -u +%FT%TZ) series $s kernel $KREL" "${mk[*]}"
		# For the chroot series, $dir is bind-mounted at the same path.
		(cd "$dir" && "$KCACHE" run "$s" -- "${mk[@]}") 2>&1 || rc=$?
		printf '# exit status %s\n' "$rc"
	} >"$log"
	exec 8>&-

	local secs="($((SECONDS - t0))s)"
	bad=$(grep -E 'warning:|WARNING:' "$log" || true)
	if ((rc != 0)); then
		echo "FAIL matrix $s ($krel): make exited $rc, see $log $secs"
		report_lines "$log"
		return 1
	fi
	if [[ -n $bad ]]; then
		n=$(grep -c . <<<"$bad")
		echo "FAIL matrix $s ($krel): $n warning line(s), see $log $secs"
		report_lines "$log"
		return 1
	fi
	kos=$(find "$dir/src" -name '*.ko' -printf '%f\n' | sort | tr '\n' ' ')
	if [[ -z $kos ]]; then
		echo "FAIL matrix $s ($krel): no .ko produced, see $log $secs"
		return 1
	fi
	echo "PASS matrix $s ($krel): ${kos% } $secs"
}

# First $MAX_LINES offending lines of log $1 (or its tail) to stderr.
report_lines() {
	local lines
	lines=$(offending_lines "$1" | head -n "$MAX_LINES")
	[[ -n $lines ]] || lines=$(tail -n "$MAX_LINES" "$1")
	printf '    %s\n' "${lines//$'\n'/$'\n'    }" >&2
}

main() {
	local series=("$@") s pass=0 fail=0
	if ((${#series[@]} == 0)); then
		# shellcheck disable=SC2206 # word splitting intended
		series=(${SERIES:-$("$KCACHE" list)})
	fi
	for s in "${series[@]}"; do
		if build_series "$s"; then
			pass=$((pass + 1))
		else
			fail=$((fail + 1))
		fi
	done
	echo "matrix: $pass passed, $fail failed"
	((fail == 0))
}

main "$@"
