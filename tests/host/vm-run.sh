#!/bin/bash
# scripts/vm-run's time limits, which keep a hung guest from hanging make
# check (and CI) silently:
#   - SF_DEADLINE (set by scripts/check from its budget) already too close:
#     the VM is not started, status 97, and the reason said;
#   - a guest that overruns --timeout (a command that sleeps) is killed
#     with status 97, and before that prints its blocked tasks and every
#     CPU's backtrace (sysrq w and l through the QEMU monitor) where the
#     console tail shows them;
#   - SF_DEADLINE earlier than --timeout wins;
#   - the QEMU process's CPU time is said when the VM ends;
# and its answer to a kernel fault:
#   - a kernel that faults while booting, before the guest's init runs
#     (no root to mount: a panic), is booted once more, said once; a
#     fault on the first boot only leaves the command's own status;
#   - a fault after init ran is reported (98), never booted again.
# timeout: 360
# shellcheck source=tests/lib/testlib.sh
. "$(dirname "$0")/../lib/testlib.sh"

VMRUN=$SF_REPO/scripts/vm-run
command -v qemu-system-x86_64 >/dev/null || bail "qemu-system-x86_64 installed (make deps)"
tmp=$(mktemp -d "${TMPDIR:-/tmp}/sf-vmrun.XXXXXX")

t0=$SECONDS
SF_DEADLINE=$(($(date +%s) + 30)) "$VMRUN" -- true >"$tmp/near.out" 2>&1
assert_eq "deadline 30 s away: not started, status 97" 97 "$?"
assert_match "deadline 30 s away: the reason said" "not started: .* left before SF_DEADLINE" "$(cat "$tmp/near.out")"
assert_le "deadline 30 s away: no VM booted (seconds)" "$((SECONDS - t0))" 5

t0=$SECONDS
SF_DEADLINE=$(($(date +%s) + 75)) "$VMRUN" --timeout 600 -- sleep 300 >"$tmp/hung.out" 2>&1
rc=$?
secs=$((SECONDS - t0))
diag "a guest sleeping 300 s, deadline 75 s away: status $rc after ${secs} s"
assert_eq "overrun: status 97" 97 "$rc"
assert_le "overrun: the deadline (75 s), not --timeout 600, ended it (seconds, with the stacks' 10 s)" "$secs" 100
assert_match "overrun: TIMEOUT said" "vm-run: TIMEOUT after" "$(cat "$tmp/hung.out")"
assert_match "overrun: the guest's blocked tasks on the console (sysrq w)" "sysrq: Show Blocked State" "$(cat "$tmp/hung.out")"
assert_match "overrun: every CPU's backtrace on the console (sysrq l)" "NMI backtrace for cpu" "$(cat "$tmp/hung.out")"
# the VM's cost: QEMU's CPU time, read while it ran (a guest that boots
# and sleeps under TCG uses some, never more than its 2 vCPUs' worth)
cpu=$(sed -n 's/^vm-run: QEMU used \([0-9]*\) CPU-s in \([0-9]*\) s .*/\1 \2/p' "$tmp/hung.out")
diag "overrun: QEMU's CPU time and wall time: ${cpu:-not said}"
assert_match "overrun: QEMU's CPU time said" "^[0-9]+ [0-9]+$" "$cpu"
read -r c w <<<"${cpu:-0 0}"
assert_gt "overrun: QEMU's CPU time is above 0 s" "$c" 0
assert_le "overrun: and at most 2 cores' worth of its wall time" "$c" "$((2 * w + 2))"

# A panic before init on every boot: two boots, then the fault (98).
"$VMRUN" --append "rdinit=/nonexistent" -- true >"$tmp/panic.out" 2>&1
assert_eq "panic before init, every boot: status 98" 98 "$?"
out=$(cat "$tmp/panic.out")
assert_match "panic before init: said, with the fault" "faulted while booting, before the guest's init ran.*"$'\n'"vm-run:   .*Kernel panic" "$out"
assert_eq "panic before init: booted once more, once" 1 "$(grep -c '^vm-run: booting once more$' <<<"$out")"
assert_eq "panic before init: two boots (QEMU's CPU time said for each)" 2 "$(grep -c '^vm-run: QEMU used' <<<"$out")"
assert_match "panic before init: then reported as a fault" "KERNEL FAULT detected" "$out"

# The same panic on the first boot only: the second boot runs the command.
"$VMRUN" --first-boot-append "rdinit=/nonexistent" --console-log "$tmp/con" -- 'echo ran; exit 7' >"$tmp/once.out" 2>&1
assert_eq "panic on the first boot only: the command's status (7)" 7 "$?"
out=$(cat "$tmp/once.out")
assert_eq "panic on the first boot only: the command ran, once" 1 "$(grep -c '^ran$' <<<"$out")"
assert_eq "panic on the first boot only: booted once more, once" 1 "$(grep -c '^vm-run: booting once more$' <<<"$out")"
assert_eq "panic on the first boot only: no fault reported" 0 "$(grep -c 'KERNEL FAULT' <<<"$out")"
assert_match "panic on the first boot only: its console kept beside the last one" "Kernel panic" "$(cat "$tmp/con.first-boot" 2>/dev/null)"
assert_eq "panic on the first boot only: the last console is the second boot's" 0 "$(grep -c 'Kernel panic' "$tmp/con")"

# A fault after init ran (the command's time): no second boot.
"$VMRUN" -- 'echo "WARNING: planted by tests/host/vm-run.sh" >/dev/kmsg; echo ran' >"$tmp/late.out" 2>&1
assert_eq "fault after init: status 98" 98 "$?"
out=$(cat "$tmp/late.out")
assert_eq "fault after init: the command ran once" 1 "$(grep -c '^ran$' <<<"$out")"
assert_eq "fault after init: not booted again" 0 "$(grep -c 'booting once more' <<<"$out")"
assert_match "fault after init: the planted line reported" "vm-run:   .*WARNING: planted" "$out"
rm -rf "$tmp"
done_testing
