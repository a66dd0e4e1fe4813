#!/bin/bash
# Run the VM test suites on several kernel series and aggregate the results.
#
# Usage: vmtest.sh [options] [SERIES...]     (default series: 5.10 6.1 6.12 7)
#   --tests DIR            a suite directory; repeatable. Default: tests/guest of
#                          this tree. A directory holding NN-* executables is a
#                          suite; so is each of its subdirectories that holds some.
#   --modules DIR|none     our modules for every series instead of the build
#                          matrix output; %KREL% and %SERIES% are substituted
#   --modules-from-matrix  (default) use $BUILD/<KREL>/src/*.ko, KREL from
#                          `tools/kcache.sh kdir SERIES`
#   any other option is passed to run.sh (e.g. --timeout N, --test-timeout N,
#   --append ARG, --qemu-arg ARG, --with-chrony, --accel tcg, --verbose)
# Prints run.sh's lines, "vmtest SERIES: …" per series, and finally
# "N passed, N failed, N skipped". Exit status 1 if anything failed.
set -euo pipefail
# shellcheck source-path=SCRIPTDIR source=lib.sh
. "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

SERIES=() SUITE_ARGS=() PASS_ARGS=()
MODULES=''

usage() { sed -n '2,/^set -euo/p' "$0" | sed '$d; s/^# \{0,1\}//'; exit "${1:-2}"; }

# Options of run.sh that take no value (everything else takes one).
is_flag() { [[ $1 =~ ^--(with-chrony|interactive|verbose|keep|nested-kvm)$ ]]; }

parse_args() {
	while (($#)); do
		case $1 in
		--tests) SUITE_ARGS+=("$2"); shift 2 ;;
		--modules) MODULES=$2; shift 2 ;;
		--modules-from-matrix) MODULES=''; shift ;;
		-h | --help) usage 0 ;;
		--*)
			if is_flag "$1"; then
				PASS_ARGS+=("$1"); shift
			else
				(($# >= 2)) || die "$1 needs an argument"
				PASS_ARGS+=("$1" "$2"); shift 2
			fi
			;;
		*) SERIES+=("$1"); shift ;;
		esac
	done
	((${#SERIES[@]})) || SERIES=(5.10 6.1 6.12 7)
	((${#SUITE_ARGS[@]})) || SUITE_ARGS=("$REPO_DIR/tests/guest")
}

has_tests() { compgen -G "$1/[0-9][0-9]-*" >/dev/null; }

# find_suites: expand the --tests directories into SUITES.
find_suites() {
	local d sub
	SUITES=()
	for d in "${SUITE_ARGS[@]}"; do
		[[ -d $d ]] || die "no test directory $d"
		d=$(cd "$d" && pwd)
		! has_tests "$d" || SUITES+=("$d")
		for sub in "$d"/*/; do
			sub=${sub%/}
			[[ -d $sub ]] && has_tests "$sub" && SUITES+=("$sub")
		done
	done
	((${#SUITES[@]})) || die "no tests (NN-* executables) in ${SUITE_ARGS[*]}"
}

# modules_for SERIES: the module directory for that series.
modules_for() {
	local s=$1 KREL='' out
	out=$("$KCACHE" kdir "$s") || return 1
	KREL=$(sed -n 's/^KREL=//p' <<<"$out" | tr -d "'\"")
	[[ -n $KREL ]] || return 1
	if [[ -n $MODULES ]]; then
		local m=${MODULES//%KREL%/$KREL}
		echo "${m//%SERIES%/$s}"
	else
		echo "$BUILD/$KREL/src"
	fi
}

# count LINE: add the counts of a "vmtest X: N passed, N failed, N skipped" line.
count() {
	local p f s
	read -r p f s < <(sed -E 's/.*: ([0-9]+) passed, ([0-9]+) failed, ([0-9]+) skipped.*/\1 \2 \3/' <<<"$1")
	SP=$((SP + p)) SF=$((SF + f)) SS=$((SS + s))
}

run_series() {
	local s=$1 suite mods label out rc
	SP=0 SF=0 SS=0
	if ! mods=$(modules_for "$s") || { [[ $mods != none ]] && ! compgen -G "$mods/*.ko" >/dev/null; }; then
		echo "FAIL modules $s: no built modules${mods:+ in $mods} (run tools/matrix.sh $s first)"
		SF=1
	else
		for suite in "${SUITES[@]}"; do
			label=$s
			((${#SUITES[@]} == 1)) || label="$s/$(basename "$suite")"
			out=$(mktemp)
			rc=0
			"$VM_DIR/run.sh" --series "$s" --modules "$mods" --tests "$suite" \
				--label "$label" "${PASS_ARGS[@]}" | tee "$out" || rc=$?
			if grep -q '^vmtest .*: [0-9]* passed' "$out"; then
				count "$(grep '^vmtest .*: [0-9]* passed' "$out" | tail -n 1)"
			fi
			# run.sh died before judging (bad option, kernel cache failure, …).
			if ((rc != 0)) && ! grep -q '^vmtest ' "$out"; then
				echo "FAIL run $label: run.sh exited with status $rc"
				SF=$((SF + 1))
			fi
			rm -f "$out"
		done
		((${#SUITES[@]} == 1)) || echo "vmtest $s: $SP passed, $SF failed, $SS skipped"
	fi
	TP=$((TP + SP)) TF=$((TF + SF)) TS=$((TS + SS))
}

main() {
	parse_args "$@"
	find_suites
	local s t0
	TP=0 TF=0 TS=0
	for s in "${SERIES[@]}"; do
		t0=$(now_ms)
		run_series "$s"
		note "series $s took $(($(now_ms) - t0)) ms"
	done
	echo "$TP passed, $TF failed, $TS skipped"
	((TF == 0))
}

main "$@"
