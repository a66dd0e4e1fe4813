#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# Kernel style checks on every C source and header of the modules:
# scripts/checkpatch.pl (strict, no warnings or checks allowed) and
# scripts/kernel-doc (no warnings; every exported function documented).
# The scripts come from Debian's linux-source package, cached by kcache.sh.
set -euo pipefail
top=$(cd "$(dirname "$0")/.." && pwd)
cd "$top"

eval "$(tools/kcache.sh checkpatch)"

mapfile -t files < <(git ls-files -co --exclude-standard -- \
	'src/*.c' 'src/*.h' 'include/*.h' 'tests/kmod/*.c' 'tests/kmod/*.h' |
	grep -v '^include/vendor/' | sort -u)

pass=0
fail=0
for f in "${files[@]}"; do
	[ -f "$f" ] || continue
	out=$(perl "$KSCRIPTS/checkpatch.pl" --no-tree --strict --quiet \
		--show-types --ignore FILE_PATH_CHANGES,SPDX_LICENSE_TAG \
		-f "$f" 2>&1) || true
	# The SPDX tag is checked below: checkpatch only knows in-tree paths.
	if ! head -n1 "$f" | grep -q 'SPDX-License-Identifier: GPL-2.0'; then
		out+=$'\n'"$f:1: missing SPDX-License-Identifier: GPL-2.0"
	fi
	doc=$(perl "$KSCRIPTS/kernel-doc" -v -none "$f" 2>&1 | grep -v ": info: " || true)
	if [ -n "$out$doc" ] && [ -n "$(printf '%s%s' "$out" "$doc" | tr -d '[:space:]')" ]; then
		echo "FAIL style $f"
		printf '%s\n%s\n' "$out" "$doc" | sed '/^$/d' | head -n 40
		fail=$((fail + 1))
	else
		echo "PASS style $f"
		pass=$((pass + 1))
	fi
done

# Every exported symbol must have kernel-doc in front of its definition.
for f in "${files[@]}"; do
	[ -f "$f" ] || continue
	for sym in $(sed -n 's/^EXPORT_SYMBOL\(_GPL\)\?(\([a-z0-9_]*\));/\2/p' "$f"); do
		if perl "$KSCRIPTS/kernel-doc" -rst -function "$sym" "$f" 2>/dev/null |
			grep -q "$sym"; then
			pass=$((pass + 1))
		else
			echo "FAIL kernel-doc $f: exported $sym has no kernel-doc"
			fail=$((fail + 1))
		fi
	done
done

echo "style: $pass passed, $fail failed"
[ "$fail" -eq 0 ]
