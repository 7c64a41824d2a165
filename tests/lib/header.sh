# shellcheck shell=bash
# A test's header lines: "# KEY: VALUE" in its first 20 lines (tests/host/
# lint.sh holds them there). The one reader of them, for tests/lib/runner.sh
# (timeout), scripts/bench (vm-mem, timeout), scripts/check (cpus,
# make-check) and scripts/check-debug (debug-kernel: skip and seconds,
# cpus). The keys are listed in docs/TESTING.md.

# test_header FILE KEY [RE]: the VALUE of FILE's first "# KEY: VALUE" line
# whose VALUE starts with a match of the sed regex RE (default: the rest
# of the line), that match printed; status 1 and nothing printed when
# there is none (no such line, or a VALUE that does not match: a typo
# falls back to the caller's default, as a missing line does)
test_header() {
	local v
	v=$(sed -n "1,20s/^# *$2: *\\(${3:-.*}\\).*/\\1/p" "$1" | head -n 1)
	[[ -n $v ]] && printf '%s\n' "$v"
}
