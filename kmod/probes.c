// SPDX-License-Identifier: GPL-2.0
/*
 * What the module attaches to the kernel, and when. A namespace's netfilter
 * hooks (hooks.c's sf_hook at four points a family) are registered while
 * it has snapfire enabled (sf_hooks_follow()). The tracepoint probes, rx.c's
 * receive stamps and xmit.c's driver hand-off, are attached only while at
 * least one namespace has snapfire enabled: each namespace whose netfilter
 * hooks are registered holds a reference. On a host where snapfire is off everywhere, the
 * tracepoints' own static keys are off again and no packet calls into the
 * module at all.
 *
 * The last reference dropped, they stay attached for sf_probes_linger
 * seconds more: attaching and detaching patch the kernel's text at every
 * tracepoint site (static keys and calls, with IPIs to every CPU), and a
 * namespace owned by an unprivileged user namespace may turn `enabled` on
 * and off as often as it likes. So that costs at most one detach and
 * attach per linger period, and none while it keeps toggling.
 *
 * Detaching does not wait for probes still running on other CPUs: they
 * finish with the module's text and the namespaces' state still there,
 * as while attached. Only the module's exit has to wait, and must do so
 * before the namespaces' sf_net goes (the xmit probe reads it, and the
 * devices of namespaces that outlive the module still send): sf_probes_stop().
 *
 * Nor may they attach before every namespace has its sf_net: at module
 * load, register_pernet_subsys() sets the namespaces up one at a time,
 * init_net first, while the others already send, and net_generic() of a
 * namespace not set up yet is garbage (past the end of its array, or a
 * slot an earlier load of the module freed). So until sf_probes_start(),
 * references are only counted.
 */
#include <linux/moduleparam.h>
#include <linux/mutex.h>
#include <linux/netfilter.h>
#include <linux/netfilter_ipv4.h>
#include <linux/netfilter_ipv6.h>
#include <linux/tracepoint.h>
#include <linux/workqueue.h>

#include "snapfire.h"

#define SF_PROBES_LINGER_MAX	3600U	/* seconds */

/*
 * How long the probes stay attached after the last reference went, in
 * seconds; read at each last put (module parameter probes_linger, which
 * refuses more than SF_PROBES_LINGER_MAX).
 */
static unsigned int sf_probes_linger = 5;

static int sf_probes_linger_set(const char *val, const struct kernel_param *kp)
{
	return param_set_uint_minmax(val, kp, 0, SF_PROBES_LINGER_MAX);
}

static const struct kernel_param_ops sf_probes_linger_ops = {
	.set = sf_probes_linger_set,
	.get = param_get_uint,
};

module_param_cb(probes_linger, &sf_probes_linger_ops, &sf_probes_linger, 0644);
MODULE_PARM_DESC(probes_linger,
		 "Seconds the tracepoint probes stay attached once snapfire is enabled in no namespace (default 5, at most 3600): each detach and attach patches the kernel's text");

/*
 * Protects sf_probes_users, sf_probes_ready, sf_probes_attached,
 * sf_probes_stopped and the attachment itself. Taken under
 * sf_net.conf_mutex (and pernet_ops_rwsem at namespace init and exit), by
 * the linger work and by the module's init and exit.
 */
static DEFINE_MUTEX(sf_probes_mutex);
/* how many namespaces hold a reference (snapfire enabled in them) */
static unsigned int sf_probes_users;
/* every namespace has its sf_net (sf_probes_start()): they may attach */
static bool sf_probes_ready;
/* the probes are registered with the tracepoints */
static bool sf_probes_attached;
/* the module is going: never attach again */
static bool sf_probes_stopped;

static int sf_probes_attach(void)
{
	int err;

	lockdep_assert_held(&sf_probes_mutex);
	if (sf_probes_attached)
		return 0;
	err = sf_rx_attach();
	if (err)
		return err;
	err = sf_xmit_attach();
	if (err) {
		sf_rx_detach();
		return err;
	}
	sf_probes_attached = true;
	return 0;
}

static void sf_probes_detach(void)
{
	lockdep_assert_held(&sf_probes_mutex);
	if (!sf_probes_attached)
		return;
	sf_xmit_detach();
	sf_rx_detach();
	sf_probes_attached = false;
}

/* sf_probes_linger after the last reference went: detach, if still none. */
static void sf_probes_idle(struct work_struct *work)
{
	mutex_lock(&sf_probes_mutex);
	if (!sf_probes_users)
		sf_probes_detach();
	mutex_unlock(&sf_probes_mutex);
}

static DECLARE_DELAYED_WORK(sf_probes_idle_work, sf_probes_idle);

/*
 * A namespace's reference: the probes are attached when this returns 0
 * (from sf_probes_start() on; before, it only counts).
 */
int sf_probes_get(void)
{
	int err = 0;

	mutex_lock(&sf_probes_mutex);
	if (sf_probes_ready && !sf_probes_stopped) {
		err = sf_probes_attach();
		if (err)
			goto out_unlock;
	}
	sf_probes_users++;
out_unlock:
	mutex_unlock(&sf_probes_mutex);
	return err;
}

void sf_probes_put(void)
{
	mutex_lock(&sf_probes_mutex);
	if (WARN_ON_ONCE(!sf_probes_users))
		goto out_unlock;
	/* (each last put pushes the detach further out) */
	if (!--sf_probes_users && !sf_probes_stopped)
		mod_delayed_work(system_wq, &sf_probes_idle_work,
				 READ_ONCE(sf_probes_linger) * HZ);
out_unlock:
	mutex_unlock(&sf_probes_mutex);
}

/*
 * Module init, once register_pernet_subsys() has set up every namespace:
 * from now on the probes may attach, and do if some namespace holds a
 * reference already.
 */
int sf_probes_start(void)
{
	int err = 0;

	mutex_lock(&sf_probes_mutex);
	sf_probes_ready = true;
	if (sf_probes_users && !sf_probes_stopped)
		err = sf_probes_attach();
	mutex_unlock(&sf_probes_mutex);
	return err;
}

/*
 * Module exit (and a failed init), before the namespaces' state goes:
 * detach whatever references are left, for good, and wait until no probe
 * runs any more. The references are still dropped by sf_net_exit.
 */
void sf_probes_stop(void)
{
	mutex_lock(&sf_probes_mutex);
	sf_probes_stopped = true;	/* no put queues the work again */
	mutex_unlock(&sf_probes_mutex);
	/* the work takes the mutex: not under it */
	cancel_delayed_work_sync(&sf_probes_idle_work);
	mutex_lock(&sf_probes_mutex);
	sf_probes_detach();
	mutex_unlock(&sf_probes_mutex);
	tracepoint_synchronize_unregister();
}

static const struct nf_hook_ops sf_nf_ops[] = {
	{ .hook = sf_hook, .pf = NFPROTO_IPV4, .hooknum = NF_INET_PRE_ROUTING,
	  .priority = NF_IP_PRI_FIRST },
	{ .hook = sf_hook, .pf = NFPROTO_IPV4, .hooknum = NF_INET_LOCAL_IN,
	  .priority = NF_IP_PRI_LAST },
	{ .hook = sf_hook, .pf = NFPROTO_IPV4, .hooknum = NF_INET_LOCAL_OUT,
	  .priority = NF_IP_PRI_FIRST },
	{ .hook = sf_hook, .pf = NFPROTO_IPV4, .hooknum = NF_INET_POST_ROUTING,
	  .priority = NF_IP_PRI_LAST },
	{ .hook = sf_hook, .pf = NFPROTO_IPV6, .hooknum = NF_INET_PRE_ROUTING,
	  .priority = NF_IP6_PRI_FIRST },
	{ .hook = sf_hook, .pf = NFPROTO_IPV6, .hooknum = NF_INET_LOCAL_IN,
	  .priority = NF_IP6_PRI_LAST },
	{ .hook = sf_hook, .pf = NFPROTO_IPV6, .hooknum = NF_INET_LOCAL_OUT,
	  .priority = NF_IP6_PRI_FIRST },
	{ .hook = sf_hook, .pf = NFPROTO_IPV6, .hooknum = NF_INET_POST_ROUTING,
	  .priority = NF_IP6_PRI_LAST },
};

static int sf_hooks_register(struct net *net)
{
	return nf_register_net_hooks(net, sf_nf_ops, ARRAY_SIZE(sf_nf_ops));
}

static void sf_hooks_unregister(struct net *net)
{
	nf_unregister_net_hooks(net, sf_nf_ops, ARRAY_SIZE(sf_nf_ops));
}

/*
 * A namespace's hooks are registered only while its configuration has
 * ENABLED set: a namespace where snapfire is off pays nothing for them
 * (one owned by another user namespace keeps them, once registered).
 * It then also holds a reference on the tracepoint probes (probes.c),
 * taken first and dropped last, so that while its hooks run the probes
 * stamp. Called twice around publishing @cfg, with conf_mutex held: before
 * it (@before_publish), to register, so that the hooks are in place when
 * the packet path first sees ENABLED; after it, to unregister, once the
 * hooks already see ENABLED clear (sf_hook tests it per packet in
 * between). Registering can fail (memory): the caller then does not
 * publish @cfg.
 */
int sf_hooks_follow(struct sf_net *sn, const struct sf_config *cfg,
		    bool before_publish)
{
	bool want = sf_cfg(cfg, ENABLED);
	int err;

	lockdep_assert_held(&sn->conf_mutex);
	if (want == sn->hooked || want != before_publish)
		return 0;
	/*
	 * Unregistering may turn the kernel's nf_hooks_needed static keys
	 * off (text patching, IPIs to every CPU), as registering may turn
	 * them on: a namespace owned by another user namespace, which an
	 * unprivileged user may toggle at will, keeps its hooks once
	 * registered, until it goes. They test ENABLED per packet.
	 */
	if (!want && sn->untrusted)
		return 0;
	if (want) {
		err = sf_probes_get();
		if (err)
			return err;
		err = sf_hooks_register(sn->net);
		if (err) {
			sf_probes_put();
			return err;
		}
	} else {
		sf_hooks_drop(sn);
	}
	sn->hooked = want;
	return 0;
}

/* Unregisters a namespace's hooks and drops its probes' reference. */
void sf_hooks_drop(struct sf_net *sn)
{
	sf_hooks_unregister(sn->net);
	sf_probes_put();
}
