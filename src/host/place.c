// SPDX-License-Identifier: MIT
#include "host/place.h"

#include <string.h>

enum host_cpu_state host_place_cpu_state(const struct host_place_input *in, int cpu, char *reason,
					 size_t len)
{
	if (reason && len)
		reason[0] = '\0';
	if (cpu < 0 || cpu >= CPU_SETSIZE || !CPU_ISSET(cpu, in->online))
		return HOST_CPU_OFFLINE;
	if (in->mask && !CPU_ISSET(cpu, in->mask))
		return HOST_CPU_EXCLUDED;
	if (!CPU_ISSET(cpu, in->checked))
		return HOST_CPU_CHECKING;
	if (host_compat_check(in->req, &in->prof[cpu], reason, reason ? len : 0))
		return HOST_CPU_ADMITTED;
	return HOST_CPU_REJECTED;
}

bool host_place_vm(const struct host_place_input *in, uint8_t *state, cpu_set_t *admitted,
		   cpu_set_t *allowed)
{
	char scratch[HOST_REASON_MAX];
	int n = in->nr_cpus > CPU_SETSIZE ? CPU_SETSIZE : in->nr_cpus;

	CPU_ZERO(admitted);
	for (int cpu = 0; cpu < n; cpu++) {
		enum host_cpu_state s = host_place_cpu_state(in, cpu, scratch, sizeof(scratch));

		if (state)
			state[cpu] = (uint8_t)s;
		if (s == HOST_CPU_ADMITTED)
			CPU_SET(cpu, admitted);
	}
	if (CPU_COUNT(admitted)) {
		*allowed = *admitted;
		return false;
	}
	*allowed = *in->online;
	if (!CPU_COUNT(allowed)) /* only a broken online file gets here: run anywhere */
		for (int cpu = 0; cpu < n; cpu++)
			CPU_SET(cpu, allowed);
	return true;
}

void host_place_online_diff(const cpu_set_t *old_online, const cpu_set_t *new_online,
			    cpu_set_t *went_offline, cpu_set_t *came_online)
{
	CPU_ZERO(went_offline);
	CPU_ZERO(came_online);
	for (int c = 0; c < CPU_SETSIZE; c++) {
		bool was = CPU_ISSET(c, old_online), is = CPU_ISSET(c, new_online);

		if (was && !is)
			CPU_SET(c, went_offline);
		else if (!was && is)
			CPU_SET(c, came_online);
	}
}

bool host_place_needs_move(const cpu_set_t *cur, const cpu_set_t *allowed)
{
	return !CPU_EQUAL(cur, allowed);
}
