#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# `make package`: the Debian package (ptp-pure-dkms_<ver>_all.deb, dh-dkms)
# and the RPM (ptp-pure-dkms-<ver>-1.noarch.rpm and its .src.rpm) of the
# tree, both into one directory.  Nothing is compiled: DKMS builds on the
# target machine.
#
# Usage: tools/package.sh [-o OUTDIR] [--version V] [--deb-only|--rpm-only]
#   -o OUTDIR      output directory (default $PTP_PURE_BUILD/packages)
#   --version V    package version V instead of the file VERSION's (the
#                  upgrade test builds a newer one); stamped into the copy
#                  of the tree that is packaged, never into the tree
# Prints the paths of the packages it made, one per line, on stdout.
set -euo pipefail
top=$(cd "$(dirname "$0")/.." && pwd)
: "${PTP_PURE_CACHE:=/var/cache/ptp-pure}"
build=${PTP_PURE_BUILD:-$PTP_PURE_CACHE/build}
out=$build/packages
ver=''
deb=1 rpm=1
while (($#)); do
	case $1 in
	-o) out=${2:?-o needs a directory}; shift 2 ;;
	--version) ver=${2:?--version needs a version}; shift 2 ;;
	--deb-only) rpm=0; shift ;;
	--rpm-only) deb=0; shift ;;
	-h | --help) sed -n '2,/^set -euo/p' "$0" | sed '$d; s/^# \{0,1\}//'; exit 0 ;;
	*) echo "package: unknown argument $1" >&2; exit 2 ;;
	esac
done

log() { echo "package: $*" >&2; }
die() { log "error: $*"; exit 1; }

"$top/tools/version.sh" --check || die "stamped versions differ from VERSION (tools/version.sh --set)"
[[ -n $ver ]] || ver=$("$top/tools/version.sh")
for t in dpkg-buildpackage dh_dkms rpmbuild; do
	command -v "$t" >/dev/null || die "$t missing: run tools/deps.sh"
done

mkdir -p "$out"
out=$(cd "$out" && pwd)
work=$(mktemp -d "${TMPDIR:-/tmp}/ptp-pure-package.XXXXXX")
trap 'rm -rf "$work"' EXIT

# The packaged tree: what DKMS needs plus the packaging, version stamped.
src=$work/ptp-pure-$ver
mkdir -p "$src"
(cd "$top" && cp -a --parents README.md dkms.conf Makefile Kbuild VERSION conftest include src packaging "$src/")
echo "$ver" >"$src/VERSION"
sed -i "s/^PACKAGE_VERSION=\".*\"$/PACKAGE_VERSION=\"$ver\"/" "$src/dkms.conf"
# Build products of an in-tree build are not sources.
find "$src" \( -name '*.o' -o -name '*.ko' -o -name '*.mod' -o -name '*.mod.c' \
	-o -name '.*.cmd' -o -name '*.order' -o -name '*.symvers' \) -delete
rm -rf "$src/.conftest"
# Reproducible: files dated by the last commit, not by the checkout.
epoch=$(git -C "$top" log -1 --format=%ct 2>/dev/null || date +%s)
date_r=$(date -u -R -d "@$epoch")

if ((deb)); then
	cp -a "$src/packaging/debian" "$src/debian"
	# The changelog is written from the version: VERSION is its only source.
	cat >"$src/debian/changelog" <<-EOF
		ptp-pure ($ver) unstable; urgency=medium

		  * ptp-pure $ver (packaged from the file VERSION by tools/package.sh).

		 -- ptp-pure developers <ptp-pure@invalid.example>  $date_r
	EOF
	log "building ptp-pure-dkms_${ver}_all.deb"
	(cd "$src" && SOURCE_DATE_EPOCH=$epoch dpkg-buildpackage -us -uc -b --no-sign) \
		>"$work/deb.log" 2>&1 || { tail -n 30 "$work/deb.log" >&2; die "dpkg-buildpackage failed"; }
	rm -rf "$src/debian"
	f=$work/ptp-pure-dkms_${ver}_all.deb
	[[ -f $f ]] || die "dpkg-buildpackage made no $f"
	cp "$f" "$out/"
	echo "$out/${f##*/}"
	cp "$work/deb.log" "$out/ptp-pure-dkms_${ver}.build.log"
fi

if ((rpm)); then
	# RPM versions may not contain '-'; '~' sorts before, '+' after, as in dpkg.
	top_r=$work/rpmbuild
	mkdir -p "$top_r"/{SOURCES,SPECS}
	tar -C "$work" --sort=name --mtime="@$epoch" --owner=0 --group=0 --numeric-owner \
		-czf "$top_r/SOURCES/ptp-pure-$ver.tar.gz" "ptp-pure-$ver"
	sed -e "s/@VERSION@/$ver/g" -e "s/@DATE@/$(date -u -d "@$epoch" '+%a %b %d %Y')/" \
		"$src/packaging/rpm/ptp-pure-dkms.spec.in" >"$top_r/SPECS/ptp-pure-dkms.spec"
	log "building ptp-pure-dkms-$ver-1.noarch.rpm"
	SOURCE_DATE_EPOCH=$epoch rpmbuild -ba --define "_topdir $top_r" \
		--define '_source_payload w9.gzdio' --define '_binary_payload w9.gzdio' \
		"$top_r/SPECS/ptp-pure-dkms.spec" >"$work/rpm.log" 2>&1 ||
		{ tail -n 30 "$work/rpm.log" >&2; die "rpmbuild failed"; }
	for f in "$top_r"/RPMS/noarch/ptp-pure-dkms-"$ver"-1*.noarch.rpm "$top_r"/SRPMS/ptp-pure-dkms-"$ver"-1*.src.rpm; do
		[[ -f $f ]] || die "rpmbuild made no $f"
		cp "$f" "$out/"
		echo "$out/${f##*/}"
	done
	cp "$top_r/SPECS/ptp-pure-dkms.spec" "$out/ptp-pure-dkms-$ver.spec"
	cp "$work/rpm.log" "$out/ptp-pure-dkms-$ver.rpmbuild.log"
fi
