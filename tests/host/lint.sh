#!/bin/bash
# The module's quality bar, checked: checkpatch --strict (from Debian's
# linux-source-6.1, the VM kernel's series), sparse (C=2) and W=1, every
# kmod/ source.  The build runs in a copy, so kmod/ keeps the stock build.
#
# Two checkpatch rules are set aside, each for a stated reason:
#   EMBEDDED_FILENAME  snapfire.h and stamp.h include the UAPI headers
#                      <uapi/linux/snapfire.h> and .../snapfire_stamp.h,
#                      whose names contain their own: a substring match,
#                      not a file naming itself
#   LINUX_VERSION_CODE, CONSTANT_COMPARISON  in compat.h only: the one
#                      version test of an out-of-tree module (SF_KERNEL_BEFORE)
# timeout: 600
# shellcheck source=tests/lib/testlib.sh
. "$(dirname "$0")/../lib/testlib.sh"

cache=${SF_CACHE_DIR:-${SNAPFIRE_CACHE:-/var/cache/snapfire}}
tarball=${LINUX_SOURCE_TARBALL:-/usr/src/linux-source-6.1.tar.xz}
kver=$("$SF_REPO/scripts/kver" 2>/dev/null)
kdir=${KDIR:-/usr/src/linux-headers-$kver}
[[ -d $kdir ]] || bail "kernel headers" "$kdir not found (make deps)"
have sparse || bail "sparse installed" "sparse not found (make deps)"

# ------------------------------------------------------------ checkpatch
# Extracted once per tarball into the cache (three files of ~130 MiB xz).
cp_dir=""
if [[ -f $tarball ]]; then
	key=$(stat -c '%s-%Y' "$tarball")
	cp_dir=$cache/checkpatch-$key
	if [[ ! -x $cp_dir/scripts/checkpatch.pl ]]; then
		mkdir -p "$cp_dir.tmp" &&
			tar -C "$cp_dir.tmp" --strip-components=1 -xJf "$tarball" \
				--wildcards '*/scripts/checkpatch.pl' '*/scripts/spelling.txt' \
				'*/scripts/const_structs.checkpatch' &&
			rm -rf "$cp_dir" && mv "$cp_dir.tmp" "$cp_dir" ||
			bail "extract checkpatch.pl from $tarball"
	fi
fi
[[ -x $cp_dir/scripts/checkpatch.pl ]] ||
	bail "checkpatch.pl" "not found: $tarball (linux-source-6.1, make deps)"

mapfile -t srcs < <(cd "$SF_REPO" && git ls-files 'kmod/*.c' 'kmod/*.h' 2>/dev/null ||
	ls kmod/*.c kmod/*.h)
((${#srcs[@]} > 10)) || bail "kmod sources" "found ${#srcs[@]}"
for f in "${srcs[@]}"; do
	ign=EMBEDDED_FILENAME
	[[ $f == kmod/compat.h ]] && ign+=,LINUX_VERSION_CODE,CONSTANT_COMPARISON
	out=$(cd "$SF_REPO" && "$cp_dir/scripts/checkpatch.pl" --strict --no-tree \
		--terse --show-types --ignore "$ign" -f "$f" 2>&1 | grep -v '^total:')
	if [[ -z $out ]]; then ok "checkpatch --strict: $f" true
	else not_ok "checkpatch --strict: $f" "$out"; fi
done

# A warning planted in a copy must be found: the check can fail.
tmp=$(mktemp -d "${TMPDIR:-/tmp}/sf-lint.XXXXXX")
printf '// SPDX-License-Identifier: GPL-2.0\nint x(void)\n{\n        return 0;\n}\n' >"$tmp/bad.c"
out=$("$cp_dir/scripts/checkpatch.pl" --strict --no-tree --terse -f "$tmp/bad.c" 2>&1)
assert_contains "checkpatch flags a planted style error" "ERROR" "$out"

# ------------------------------------------------- generated from the spec
# include/uapi/linux/snapfire.h (ynl-gen-c), cli/names.c
# (scripts/gen-cli-names) and tests/tools/nlfuzz_specs.h
# (scripts/gen-nlfuzz-specs) must be what include/snapfire.yaml makes now.
out=$("$SF_REPO/scripts/gen-uapi" --check 2>&1)
rc=$?
if ((rc == 0)); then ok "scripts/gen-uapi --check: UAPI header, cli/names.c and nlfuzz_specs.h match the spec" true
else not_ok "scripts/gen-uapi --check: UAPI header, cli/names.c and nlfuzz_specs.h match the spec" "$(tail -n 20 <<<"$out")"; fi
# ... and a stale copy is caught: the check can fail
mkdir -p "$tmp/gen/scripts" "$tmp/gen/include/uapi/linux" "$tmp/gen/cli" "$tmp/gen/tests/tools"
cp "$SF_REPO/scripts/gen-uapi" "$SF_REPO/scripts/gen-cli-names" "$SF_REPO/scripts/gen-nlfuzz-specs" \
	"$SF_REPO/scripts/ynl-path" "$tmp/gen/scripts/"
cp "$SF_REPO/include/snapfire.yaml" "$tmp/gen/include/"
cp "$SF_REPO/include/uapi/linux/snapfire.h" "$tmp/gen/include/uapi/linux/"
cp "$SF_REPO/tests/tools/nlfuzz_specs.h" "$tmp/gen/tests/tools/"
sed 's/"pre-routing"/"pre_routing"/' "$SF_REPO/cli/names.c" >"$tmp/gen/cli/names.c"
must_fail "scripts/gen-uapi --check flags a stale cli/names.c" "$tmp/gen/scripts/gen-uapi" --check
cp "$SF_REPO/cli/names.c" "$tmp/gen/cli/"
sed 's/\(HIST_PRECISION, K_U8, 4, \)8 /\19 /' "$SF_REPO/tests/tools/nlfuzz_specs.h" \
	>"$tmp/gen/tests/tools/nlfuzz_specs.h"
must_fail "scripts/gen-uapi --check flags a stale tests/tools/nlfuzz_specs.h" "$tmp/gen/scripts/gen-uapi" --check

# ynl-gen-c.py --mode kernel renders the spec's policies (what
# tests/vm/40-nl-ynl.sh compares the running module's with)
out=$(/usr/bin/python3 "$SF_REPO/tests/lib/policy_check.py" --ynl "$("$SF_REPO/scripts/ynl-path")" \
	--spec "$SF_REPO/include/snapfire.yaml" --expected 2>&1)
rc=$?
if ((rc == 0)) && [[ $out == *'"config-set"'* ]]; then ok "ynl-gen-c.py --mode kernel: the spec's request policies" true
else not_ok "ynl-gen-c.py --mode kernel: the spec's request policies" "$(tail -n 20 <<<"$out")"; fi

# the module's table of scalar settings (kmod/config.c) against the spec
out=$("$SF_REPO/scripts/check-config-keys" 2>&1)
rc=$?
if ((rc == 0)); then ok "scripts/check-config-keys: sf_config_keys[] matches the spec's config set" true
else not_ok "scripts/check-config-keys: sf_config_keys[] matches the spec's config set" "$out"; fi
# ... and can fail: a range that is not the spec's, a setting left out
sed 's/\.max = 4194304/.max = 4194305/' "$SF_REPO/kmod/config.c" >"$tmp/config-range.c"
must_fail "scripts/check-config-keys flags a range that differs from the spec" \
	"$SF_REPO/scripts/check-config-keys" "$SF_REPO/include/snapfire.yaml" "$tmp/config-range.c" "$SF_REPO/kmod/hist.h"
sed '/\[SNAPFIRE_A_CONFIG_WINDOW\]/,/},/d' "$SF_REPO/kmod/config.c" >"$tmp/config-missing.c"
must_fail "scripts/check-config-keys flags a setting missing from the table" \
	"$SF_REPO/scripts/check-config-keys" "$SF_REPO/include/snapfire.yaml" "$tmp/config-missing.c" "$SF_REPO/kmod/hist.h"

# ------------------------------------------------------------ file size
# one concern per file (#10): no source of the module or the CLI over 600
# lines; a file that grows past it is split by concern, not trimmed
long=$(for f in "$SF_REPO"/kmod/*.[ch] "$SF_REPO"/cli/*.[ch]; do
	n=$(wc -l <"$f")
	if ((n > 600)); then echo "${f#"$SF_REPO"/}: $n lines"; fi
done)
if [[ -z $long ]]; then ok "kmod/, cli/: no source file over 600 lines" true
else not_ok "kmod/, cli/: no source file over 600 lines" "$long"; fi

# ------------------------------------------------- VM test header lines
# tests/lib/runner.sh, scripts/check-debug and scripts/check read
# "# timeout:", "# debug-kernel: ...", "# cpus:" and "# make-check: beside"
# in a test's first 20 lines only: one further down is silently ignored
# (default timeout, run on the debug kernel, two CPUs, run in the main VM)
late=$(for f in "$SF_REPO"/tests/vm/*.sh; do
	awk -v f="${f##*/}" '/^# (timeout|debug-kernel|cpus|make-check):/ && NR > 20 { print f ":" NR ": " $0 }' "$f"
done)
if [[ -z $late ]]; then ok "tests/vm: every timeout, debug-kernel, cpus and make-check line within the first 20 lines" true
else not_ok "tests/vm: every timeout, debug-kernel, cpus and make-check line within the first 20 lines" "$late"; fi

# ------------------------------------------------------------ sparse, W=1
mkdir -p "$tmp/src"
cp -a "$SF_REPO/kmod" "$SF_REPO/include" "$tmp/src/"
(cd "$tmp/src/kmod" && rm -f ./*.o ./*.ko ./*.mod ./*.mod.c ./.*.cmd modules.order Module.symvers)
out=$(make -C "$kdir" M="$tmp/src/kmod" C=2 W=1 -j"$(nproc)" modules 2>&1)
rc=$?
if ((rc == 0)); then ok "kmod builds with C=2 W=1" true
else not_ok "kmod builds with C=2 W=1" "$(tail -n 30 <<<"$out")"; fi
assert_match "sparse checked the units (10 or more CHECK lines)" "^[1-9][0-9]+$" "$(grep -c "  CHECK " <<<"$out")"
w=$(grep -E '(warning|error):' <<<"$out" | grep -v 'Skipping BTF')
if [[ -z $w ]]; then ok "no sparse or W=1 warning" true
else not_ok "no sparse or W=1 warning" "$w"; fi
rm -rf "$tmp"
done_testing
