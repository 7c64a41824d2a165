#!/bin/bash
# tests/lib/rmmod.sh — sourced by tests/lib/testlib.sh and tests/lib/runner.sh

# sf_rmmod_bounded MODULE SECONDS OUTFILE : rmmod MODULE, waiting at most
# SECONDS. An unload stuck in the kernel sleeps uninterruptibly and cannot be
# killed; waiting on it would hang the whole VM run, so it is left behind:
# status 124, with the stuck task's kernel stack and the blocked tasks
# (sysrq w) in OUTFILE, and /run/sf-module-stuck created for the runner.
# Otherwise rmmod's own status, its output in OUTFILE.
sf_rmmod_bounded() {
	local mod=$1 secs=$2 outf=$3 pid i
	rmmod "$mod" </dev/null >"$outf" 2>&1 &
	pid=$!
	for ((i = 0; i < secs * 10; i++)); do
		kill -0 "$pid" 2>/dev/null || break
		sleep 0.1
	done
	if kill -0 "$pid" 2>/dev/null; then
		{
			echo "rmmod $mod still running after ${secs}s: stuck in the kernel"
			echo "its kernel stack:"
			cat "/proc/$pid/stack" 2>/dev/null
			echo 1 >/proc/sys/kernel/sysrq 2>/dev/null
			echo w >/proc/sysrq-trigger 2>/dev/null
			sleep 1
			echo "blocked tasks (sysrq w), kernel log:"
			dmesg 2>/dev/null | tail -n 80
		} >>"$outf" 2>&1
		: >/run/sf-module-stuck 2>/dev/null
		return 124
	fi
	wait "$pid"
}
