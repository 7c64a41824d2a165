#!/bin/bash
# tests/lib/guest-runner.sh — the VM side of tests/run: runs tests/vm/*.sh
# (or those matching the given patterns) inside the test VM with
# tests/lib/runner.sh --guest.  Options are those of runner.sh.
set -uo pipefail
here=$(dirname "$(readlink -f "${BASH_SOURCE[0]}")")
if [[ -z ${SNAPFIRE_VM:-} ]]; then
	echo "guest-runner: not inside a snapfire test VM (use tests/run)" >&2
	exit 2
fi
echo "# guest: $(uname -r), $(nproc) cpu(s), $(awk '/MemTotal/ {print int($2/1024) " MiB"}' /proc/meminfo)"
exec "$here/runner.sh" --guest --dir "$(readlink -f "$here/../vm")" "$@"
