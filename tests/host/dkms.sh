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
ok "dkms add" dkms add "${D[@]}" -m "$name" -v "$ver"
if ! ok "dkms build for $kver" dkms build "${D[@]}" -m "$name" -v "$ver" -k "$kver"; then
	diag "$(tail -n 40 "$tmp/tree/$name/$ver/build/make.log" 2>/dev/null)"
fi
ko=$(find "$tmp/tree/$name/$ver/$kver" -name 'snapfire.ko*' 2>/dev/null | head -n1)
if [[ -n $ko ]]; then
	ok "dkms produced snapfire.ko"
	assert_eq "vermagic is $kver" "$kver" "$(modinfo -F vermagic "$ko" | awk '{print $1}')"
	if [[ -e /boot/vmlinuz-$kver ]]; then
		ok "the DKMS-built module loads and unloads in a VM ($kver)" \
			"$SF_REPO/scripts/vm-run" --kver "$kver" --timeout 300 -- \
			"insmod '$ko' && genl ctrl get name $SF_GENL_FAMILY >/dev/null && rmmod snapfire"
	else
		skip "the DKMS-built module loads in a VM" "no /boot/vmlinuz-$kver"
	fi
else
	not_ok "dkms produced snapfire.ko" "$(find "$tmp/tree" -maxdepth 5 2>/dev/null | head -n 30)"
fi
ok "dkms remove" dkms remove "${D[@]}" -m "$name" -v "$ver" --all
must_fail "nothing left registered" test -e "$tmp/tree/$name/$ver"
done_testing
