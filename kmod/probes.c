// SPDX-License-Identifier: GPL-2.0
/*
 * The tracepoint probes, rx.c's receive stamps and xmit.c's driver
 * hand-off, are attached only while at least one namespace has snapfire
 * enabled: each namespace whose netfilter hooks are registered (hooks.c)
 * holds a reference. On a host where snapfire is off everywhere, the
 * tracepoints' own static keys are off again and no packet calls into the
 * module at all.
 *
 * Detaching does not wait for probes still running on other CPUs: they
 * finish with the module's text and the namespaces' state still there,
 * as while attached. Only the module's exit has to wait, and must do so
 * before the namespaces' sf_net goes (the xmit probe reads it, and the
 * devices of namespaces that outlive the module still send): sf_probes_stop().
 */
#include <linux/mutex.h>
#include <linux/tracepoint.h>

#include "snapfire.h"

/* protects sf_probes_users, sf_probes_stopped and the attachment itself */
static DEFINE_MUTEX(sf_probes_mutex);
/* how many namespaces hold a reference (snapfire enabled in them) */
static unsigned int sf_probes_users;
/* the module is going: never attach again */
static bool sf_probes_stopped;

/* A namespace's reference: the probes are attached when this returns 0. */
int sf_probes_get(void)
{
	int err = 0;

	mutex_lock(&sf_probes_mutex);
	if (!sf_probes_users && !sf_probes_stopped) {
		err = sf_rx_attach();
		if (err)
			goto out_unlock;
		err = sf_xmit_attach();
		if (err) {
			sf_rx_detach();
			goto out_unlock;
		}
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
	if (!--sf_probes_users && !sf_probes_stopped) {
		sf_xmit_detach();
		sf_rx_detach();
	}
out_unlock:
	mutex_unlock(&sf_probes_mutex);
}

/*
 * Module exit (and a failed init), before the namespaces' state goes:
 * detach whatever references are left, for good, and wait until no probe
 * runs any more. The references are still dropped by sf_net_exit.
 */
void sf_probes_stop(void)
{
	mutex_lock(&sf_probes_mutex);
	if (sf_probes_users && !sf_probes_stopped) {
		sf_xmit_detach();
		sf_rx_detach();
	}
	sf_probes_stopped = true;
	mutex_unlock(&sf_probes_mutex);
	tracepoint_synchronize_unregister();
}
