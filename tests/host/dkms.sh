#!/bin/bash
# DKMS packaging: `dkms add` + `dkms build` of the staged source tree work
# for the installed Debian headers.  Runs in private --sourcetree and
# --dkmstree directories under a package name of its own, so it neither
# needs nor disturbs a real `make dkms-install`.
# timeout: 600
# shellcheck source=tests/lib/testlib.sh
. "$(dirname "$0")/../lib/testlib.sh"

have dkms || bail "dkms installed" "dkms not found (make deps)"
kver=${KVER:-$("$SF_REPO/scripts/kver")} || bail "Debian kernel headers installed" "scripts/kver found none"
[[ -f $SF_REPO/kmod/Kbuild || -f $SF_REPO/kmod/Makefile ]] ||
	bail "module sources present" "no kmod/Kbuild yet"

name=snapfire-dkmstest
ver=$(cat "$SF_REPO/VERSION")
tmp=$(mktemp -d "${TMPDIR:-/tmp}/sf-dkms.XXXXXX")
on_exit "rm -rf '$tmp'"
D=(--sourcetree "$tmp/src" --dkmstree "$tmp/tree")
mkdir -p "$tmp/src" "$tmp/tree"

ok "stage the DKMS source tree" "$SF_REPO/scripts/dkms" stage "$tmp/src/$name-$ver" "$name" "$ver"
ok "dkms.conf names package $name/$ver" grep -q "^PACKAGE_VERSION=\"$ver\"" "$tmp/src/$name-$ver/dkms.conf"
# BUILD_EXCLUSIVE_KERNEL, matched as dkms matches it (bash =~): 6.1 and
# later only, this host's kernel included
excl=$(sed -n 's/^BUILD_EXCLUSIVE_KERNEL="\(.*\)"$/\1/p' "$tmp/src/$name-$ver/dkms.conf")
assert_ne "dkms.conf has BUILD_EXCLUSIVE_KERNEL" "" "$excl"
for k in "$kver" 6.1.0-57-amd64 6.1.192-snapfire-debug 6.12.57+deb13-amd64 6.19.1 7.2.0-1-amd64 10.0.1; do
	ok "BUILD_EXCLUSIVE_KERNEL admits $k" eval '[[ $k =~ $excl ]]'
done
for k in 6.0.19 5.10.0-35-amd64 5.15.0-1-generic 4.19.0-27-amd64 3.16.0; do
	must_fail "BUILD_EXCLUSIVE_KERNEL refuses $k" eval '[[ $k =~ $excl ]]'
done
ok "dkms add" dkms add "${D[@]}" -m "$name" -v "$ver"
if ! ok "dkms build for $kver" dkms build "${D[@]}" -m "$name" -v "$ver" -k "$kver"; then
	diag "$(tail -n 40 "$tmp/tree/$name/$ver/build/make.log" 2>/dev/null)"
fi
ko=$(find "$tmp/tree/$name/$ver/$kver" -name 'snapfire.ko*' 2>/dev/null | head -n1)
if [[ -n $ko ]]; then
	ok "dkms produced snapfire.ko"
	assert_eq "vermagic is $kver" "$kver" "$(modinfo -F vermagic "$ko" | awk '{print $1}')"
	if [[ -e /boot/vmlinuz-$kver ]]; then
		# installed where DKMS puts it, the first request for the family
		# loads it (MODULE_ALIAS_GENL_FAMILY): no insmod, no modprobe.
		# depmod indexes that file alone (it depends on no module: modinfo
		# says so, checked here): `depmod -a` reads the kernel's 390 MB of
		# modules over 9p, 76 s in a VM with one other VM beside it, and
		# the command timed out at 300 s with four beside it (make check
		# with the debug kernel cached); one file: 0.3 s
		assert_eq "the DKMS-built module depends on no other module" "" "$(modinfo -F depends "$ko")"
		ok "the DKMS-built module autoloads on the first genl request and unloads in a VM ($kver)" \
			"$SF_REPO/scripts/vm-run" --kver "$kver" --timeout 300 -- \
			"mkdir -p /lib/modules/$kver/updates/dkms && cp '$ko' /lib/modules/$kver/updates/dkms/ &&
			 depmod $kver /lib/modules/$kver/updates/dkms/snapfire.ko &&
			 grep -q 'family-$SF_GENL_FAMILY' /lib/modules/$kver/modules.alias &&
			 ! grep -q '^snapfire ' /proc/modules &&
			 genl ctrl get name $SF_GENL_FAMILY >/dev/null &&
			 grep -q '^snapfire ' /proc/modules && rmmod snapfire"
	else
		skip "the DKMS-built module loads in a VM" "no /boot/vmlinuz-$kver"
	fi
else
	not_ok "dkms produced snapfire.ko" "$(find "$tmp/tree" -maxdepth 5 2>/dev/null | head -n 30)"
fi
ok "dkms remove" dkms remove "${D[@]}" -m "$name" -v "$ver" --all
must_fail "nothing left registered" test -e "$tmp/tree/$name/$ver"
done_testing
