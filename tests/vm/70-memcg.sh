#!/bin/bash
# A namespace's module state is charged to the memory cgroup of the task
# that makes the namespace, so an unprivileged user making namespaces pays
# for them (kmod/main.c, sf_net_init: the per-CPU counters, the config, the
# event ring, the rate-limit buckets and the SSID hints with
# GFP_KERNEL_ACCOUNT; the core allocates sf_net itself, uncharged, and it
# holds no array). Measured with the cgroup's own books: memory.stat's
# "percpu" and "slab_unreclaimable" grow by N x (their base) for N
# namespaces made inside a fresh cgroup; with the module loaded they must
# grow by at least N x CPUs x 64 bytes (the counters are 28 u64 per CPU)
# and N x 10 KiB (the ring alone is 64 events of 88 bytes, the buckets
# 4 KiB) more than without it.
# timeout: 300
# debug-kernel: skip: the charge is the allocator's, not a code path the debug kernel checks further
# cpus: 1 (nothing races here; the per-CPU counters are charged once a CPU)
# shellcheck source=tests/lib/topo.sh
. "$(dirname "$0")/../lib/topo.sh"

CG=/sys/fs/cgroup
N=100
[[ -f $CG/cgroup.controllers ]] || bail "no cgroup v2 at $CG"
grep -qw memory "$CG/cgroup.controllers" || bail "no memory controller in $CG/cgroup.controllers"
echo +memory >"$CG/cgroup.subtree_control" 2>/dev/null
grep -qw memory "$CG/cgroup.subtree_control" || bail "cannot enable the memory controller for children"
on_exit 'rmdir "$CG"/sf-memcg-* 2>/dev/null'

# "PERCPU SLAB": bytes of per-CPU and of unreclaimable slab memory charged
# to a fresh cgroup while N namespaces made in it (each held by a process)
# are alive
charged_for_n() {
	local d=$CG/sf-memcg-$1
	mkdir "$d" || return 1
	(
		echo "$BASHPID" >"$d/cgroup.procs" || exit 1
		pids=()
		for ((i = 0; i < N; i++)); do
			unshare -n sleep 600 &
			pids+=($!)
		done
		held() { # every one of them in a namespace of its own by now
			local p
			for p in "${pids[@]}"; do
				[[ $(readlink "/proc/$p/ns/net") != "$(readlink /proc/1/ns/net)" ]] || return 1
			done
		}
		wait_for 30 held || exit 1
		sleep 1
		awk '$1 == "percpu" { p = $2 } $1 == "slab_unreclaimable" { s = $2 }
			END { print p + 0, s + 0 }' "$d/memory.stat"
		kill "${pids[@]}"
		wait 2>/dev/null
	)
}

sf_unload || bail "rmmod before the test"
read -r without without_slab < <(charged_for_n without)
assert_gt "without the module: $N namespaces charge per-CPU memory ($without B)" "${without:-0}" 0
assert_gt "without the module: $N namespaces charge slab memory ($without_slab B)" "${without_slab:-0}" 0
ok "insmod snapfire.ko (default_enabled=1)" sf_load
read -r with with_slab < <(charged_for_n with)
assert_gt "with the module: $N namespaces charge per-CPU memory ($with B)" "${with:-0}" 0
cpus=$(nproc)
assert_ge "the module's per-CPU counters are charged: $(((with - without) / N)) B more a namespace, >= $((cpus * 64))" \
	"$((with - without))" "$((N * cpus * 64))"
assert_ge "the module's per-namespace arrays are charged: $(((with_slab - without_slab) / N)) B more slab a namespace, >= 10240" \
	"$((with_slab - without_slab))" "$((N * 10240))"
done_testing
