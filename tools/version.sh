#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# The bundle's version is kept in one place, the file VERSION.  Kbuild reads
# it for every module's MODULE_VERSION and tools/package.sh for both packages
# (the Debian changelog and the RPM spec are written from it at package
# time); dkms.conf and README.md carry stamped copies, which this keeps equal.
#
#   tools/version.sh               print the version
#   tools/version.sh --check       exit 1 naming each stamped copy that differs
#   tools/version.sh --set X.Y.Z   write VERSION and restamp dkms.conf, README.md
set -euo pipefail
top=$(cd "$(dirname "$0")/.." && pwd)
cur=$(<"$top/VERSION")

# Stamped copies: dkms.conf's PACKAGE_VERSION, README's "Version:" line.
stamped() {
	sed -n 's/^PACKAGE_VERSION="\(.*\)"$/dkms.conf \1/p' "$top/dkms.conf"
	sed -n 's/^Version: \*\*\(.*\)\*\*.*$/README.md \1/p' "$top/README.md"
}

case ${1:-} in
'') echo "$cur" ;;
--check)
	rc=0 n=0
	while read -r f v; do
		n=$((n + 1))
		[[ $v == "$cur" ]] || { echo "version: $f has $v, VERSION has $cur" >&2; rc=1; }
	done < <(stamped)
	((n == 2)) || { echo "version: expected 2 stamped copies, found $n" >&2; rc=1; }
	exit $rc
	;;
--set)
	new=${2:?--set needs a version}
	[[ $new =~ ^[0-9]+\.[0-9]+\.[0-9]+([~+][0-9A-Za-z.]+)?$ ]] || { echo "version: bad version '$new'" >&2; exit 2; }
	echo "$new" >"$top/VERSION"
	sed -i "s/^PACKAGE_VERSION=\".*\"$/PACKAGE_VERSION=\"$new\"/" "$top/dkms.conf"
	sed -i -E "s/^Version: \*\*.*\*\*/Version: **$new**/; s/ptp-pure-dkms([_-])$cur/ptp-pure-dkms\\1$new/g; s/ptp-pure-$cur/ptp-pure-$new/g; s#ptp-pure/$cur/#ptp-pure/$new/#g" "$top/README.md"
	;;
*) sed -n '2,/^set -euo/p' "$0" | sed '$d; s/^# \{0,1\}//'; exit 2 ;;
esac
