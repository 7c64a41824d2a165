// SPDX-License-Identifier: GPL-2.0
/*
 * snapfire: in-kernel timestamping of STAMP (RFC 8762/8972) probes and
 * per-flow latency attribution. Module and per-namespace life cycle.
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/module.h>
#include <linux/netdevice.h>
#include <linux/slab.h>
#include <linux/stringify.h>
#include <net/genetlink.h>
#include <net/netns/generic.h>

#include "snapfire.h"

unsigned int sf_net_id __read_mostly;
DEFINE_MUTEX(sf_nets_mutex);		/* protects sf_nets */
LIST_HEAD(sf_nets);
atomic64_t sf_global_mem = ATOMIC64_INIT(0);

module_param_named(max_mem_mb, sf_max_mem_mb, uint, 0644);
MODULE_PARM_DESC(max_mem_mb,
		 "Most MiB of flows and histograms over all network namespaces (default "
		 __stringify(SF_DEFAULT_MAX_MEM_MB)
		 "); other user namespaces' namespaces share half of it");

module_param_named(untrusted_ports, sf_max_untrusted_ports, uint, 0644);
MODULE_PARM_DESC(untrusted_ports,
		 "Most STAMP ports besides 862 that namespaces of other user namespaces alone may name, over the host (default "
		 __stringify(SF_DEFAULT_UNTRUSTED_PORTS)
		 "): each costs every UDP packet to or from it a receive stamp");

static bool default_enabled = true;
module_param(default_enabled, bool, 0644);
MODULE_PARM_DESC(default_enabled,
		 "Whether a network namespace starts with snapfire enabled (default 1); "
		 "a namespace's netfilter hooks are registered only while it is; "
		 "the tracepoint probes while any namespace is");

static int __net_init sf_net_init(struct net *net)
{
	struct sf_net *sn = sf_net(net);
	struct sf_config *cfg;
	int err;

	sn->net = net;
	sn->untrusted = net->user_ns != &init_user_ns;
	mutex_init(&sn->conf_mutex);
	spin_lock_init(&sn->ev_lock);
	INIT_WORK(&sn->event_work, sf_event_work);
	sf_reflect_init(sn);

	/*
	 * Charged to the memory cgroup of whoever makes the namespace: an
	 * unprivileged user making namespaces pays for them. The core
	 * allocates sf_net itself, uncharged, so it holds no array: the
	 * event ring, the rate-limit buckets and the SSID hints (11 KiB)
	 * are allocated here. It is about 500 bytes (more with lockdep's
	 * lock maps); the bound catches an array put back.
	 */
	BUILD_BUG_ON(sizeof(struct sf_net) > 2048);
	sn->counters = alloc_percpu_gfp(struct sf_counters, GFP_KERNEL_ACCOUNT);
	if (!sn->counters)
		return -ENOMEM;
	err = -ENOMEM;
	sn->events = kcalloc(SF_EVENT_RING, sizeof(*sn->events),
			     GFP_KERNEL_ACCOUNT);
	if (!sn->events)
		goto err_free_counters;
	sn->rl = kcalloc(SF_RL_BUCKETS, sizeof(*sn->rl), GFP_KERNEL_ACCOUNT);
	if (!sn->rl)
		goto err_free_events;
	sn->ssid_hint = kcalloc(SF_SSID_HINTS, sizeof(*sn->ssid_hint),
				GFP_KERNEL_ACCOUNT);
	if (!sn->ssid_hint)
		goto err_free_rl;
	cfg = sf_config_default(GFP_KERNEL_ACCOUNT);
	if (!cfg)
		goto err_free_hints;
	sf_cfg(cfg, ENABLED) = READ_ONCE(default_enabled);
	err = sf_flows_init(sn);
	if (err)
		goto err_free_config;
	RCU_INIT_POINTER(sn->config, cfg);
	/*
	 * Listed before its hooks can make a flow, and so an event: at module
	 * unload, which may run while a namespace is being made,
	 * sf_events_stop() cancels the event work of the listed ones.
	 */
	mutex_lock(&sf_nets_mutex);
	list_add(&sn->node, &sf_nets);
	mutex_unlock(&sf_nets_mutex);
	/* no config writer yet: the lock is for the assertion */
	mutex_lock(&sn->conf_mutex);
	err = sf_hooks_follow(sn, cfg, true);
	mutex_unlock(&sn->conf_mutex);
	if (err)
		goto err_unlist;
	/* its STAMP ports' packets get receive stamps from now on */
	sf_rx_ports_update(NULL, cfg, sn->untrusted, false);
	return 0;

err_unlist:
	WRITE_ONCE(sn->dying, true);
	/*
	 * The xmit probe reads every namespace's config and, were it
	 * enabled, its flows: while another namespace holds the probes,
	 * one may have found this one's since it was published.
	 */
	synchronize_rcu();
	sf_flows_exit(sn);
	/* hooks registered part way may have made a flow, and an event */
	cancel_work_sync(&sn->event_work);
	/* unlisted only now, as in sf_net_exit(): an unload waits for it */
	mutex_lock(&sf_nets_mutex);
	list_del(&sn->node);
	mutex_unlock(&sf_nets_mutex);
	rcu_barrier();	/* the core frees @sn when this returns */
err_free_config:
	kfree(cfg);
err_free_hints:
	kfree(sn->ssid_hint);
err_free_rl:
	kfree(sn->rl);
err_free_events:
	kfree(sn->events);
err_free_counters:
	free_percpu(sn->counters);
	return err;
}

/* Stop the packet path from entering; the core waits a grace period next. */
static void __net_exit sf_net_pre_exit(struct net *net)
{
	WRITE_ONCE(sf_net(net)->dying, true);
}

static void __net_exit sf_net_exit(struct net *net)
{
	struct sf_net *sn = sf_net(net);

	/* no config writer is left: the namespace's last socket is gone */
	if (sn->hooked)
		sf_hooks_drop(sn);
	sf_rx_ports_update(rcu_access_pointer(sn->config), NULL, sn->untrusted, false);
	/* readers that saw dying == false are gone (pre_exit + grace period) */
	sf_flows_exit(sn);
	cancel_work_sync(&sn->event_work);
	/*
	 * Off the list only once its event work is done: a module unload
	 * meanwhile (sf_events_stop()) must find it, or the work could still
	 * be sending when the genl family goes.
	 */
	mutex_lock(&sf_nets_mutex);
	list_del(&sn->node);
	mutex_unlock(&sf_nets_mutex);
	kfree(rcu_access_pointer(sn->config));
	kfree(sn->ssid_hint);
	kfree(sn->rl);
	kfree(sn->events);
	free_percpu(sn->counters);
}

/*
 * After every namespace of the batch went through sf_net_exit and before
 * the core frees their sf_net: hooks that were running when sf_net_exit
 * unregistered them (nf_unregister_net_hooks() does not wait for them;
 * at rmmod the namespaces still send) read sf_net.dying, so a grace
 * period; then the flows' RCU callbacks, which account to it.
 */
static void __net_exit sf_net_exit_batch(struct list_head *net_exit_list)
{
	synchronize_rcu();
	rcu_barrier();
}

static struct pernet_operations sf_net_ops = {
	.init = sf_net_init,
	.pre_exit = sf_net_pre_exit,
	.exit = sf_net_exit,
	.exit_batch = sf_net_exit_batch,
	.id = &sf_net_id,
	.size = sizeof(struct sf_net),
};

static int __init sf_init(void)
{
	int err;

	err = sf_hist_init();
	if (err)
		return err;
	sf_reflect_seed();
	/* the tracepoints, attached while a namespace is enabled (probes.c) */
	err = sf_rx_init();
	if (err)
		goto err_hist_exit;
	err = sf_xmit_init();
	if (err)
		goto err_rx_exit;
	err = register_pernet_subsys(&sf_net_ops);
	if (err)
		goto err_stop_probes;
	/* every namespace has its sf_net now: the xmit probe may read it */
	err = sf_probes_start();
	if (err)
		goto err_unregister_pernet;
	err = sf_genl_register();
	if (err)
		goto err_unregister_pernet;
	pr_info("%s loaded\n", SNAPFIRE_VERSION);
	return 0;

err_unregister_pernet:
	/* before the namespaces' state goes: the xmit probe reads it */
	sf_probes_stop();
	unregister_pernet_subsys(&sf_net_ops);
err_stop_probes:
	/*
	 * A namespace's exit may have queued the linger work before
	 * register_pernet_subsys() failed (its init only counted, nothing
	 * attached yet): cancel it (idempotent: nothing left on the path
	 * above).
	 */
	sf_probes_stop();
err_rx_exit:
	sf_rx_exit();
err_hist_exit:
	sf_hist_exit();
	return err;
}

static void __exit sf_exit(void)
{
	/* no event work may run once the family it sends to is gone */
	sf_events_stop();
	sf_genl_unregister();
	/* the xmit probe reads sf_net, which goes with the namespaces */
	sf_probes_stop();
	unregister_pernet_subsys(&sf_net_ops);
	sf_rx_exit();
	/* flows are freed by RCU callbacks in this module's text */
	rcu_barrier();
	sf_hist_exit();
}

module_init(sf_init);
module_exit(sf_exit);

MODULE_LICENSE("GPL");
MODULE_AUTHOR("snapfire developers");
MODULE_DESCRIPTION("In-kernel STAMP timestamping and latency attribution");
MODULE_VERSION(SNAPFIRE_VERSION);
/* the CLI's first request loads the module where DKMS installed it */
MODULE_ALIAS_GENL_FAMILY(SNAPFIRE_FAMILY_NAME);
