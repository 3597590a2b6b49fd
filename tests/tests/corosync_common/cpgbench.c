/*
 * A CPG client for Atrium's corosync tests, linked against the reference
 * libcpg. It joins GROUP, waits until the group has MEMBERS processes,
 * multicasts COUNT messages of SIZE bytes (agreed order), and dispatches
 * until it has received COUNT messages from each member.
 *
 *   cpgbench GROUP MEMBERS COUNT SIZE OUTFILE [WINDOW]
 *
 * It stops once it has sent COUNT and received COUNT from every process
 * still in the group: a member that fails mid-stream (its node killed)
 * stops counting, and what the survivors got from it is whatever the
 * group delivered before the configuration change.
 *
 * WINDOW (default 0, unlimited) caps how many of its own messages a member
 * has sent but not yet seen delivered: 1 measures the latency of a lightly
 * loaded ring rather than queueing under saturation.
 *
 * OUTFILE ("-" for none) gets one line per delivered message,
 * "nodeid pid seq", in delivery order. stdout gets one summary line:
 *   delivered=N elapsed_ms=T latency_us_avg=A latency_us_max=M sent_retries=R
 * Latency is measured with CLOCK_MONOTONIC stamped by the sender (all lab
 * nodes share the host's clock). Exit 0 on success, 2 on timeout.
 */
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <corosync/cpg.h>

struct msg_head {
	uint32_t magic;
	uint32_t nodeid;
	uint32_t pid;
	uint32_t seq;
	uint64_t sent_ns;
};

static unsigned members_seen;
static unsigned long long delivered;
static unsigned long long lat_sum_ns;
static unsigned long long lat_max_ns;
static FILE *out;

#define MAX_PROCS 64
struct proc {
	uint32_t nodeid;
	uint32_t pid;
	unsigned long long received;
};
/* Every sender seen, with its message count. */
static struct proc procs[MAX_PROCS];
static unsigned n_procs;
/* The group's current members. */
static struct proc current[MAX_PROCS];
static unsigned n_current;

static struct proc *proc_of(uint32_t nodeid, uint32_t pid)
{
	unsigned i;

	for (i = 0; i < n_procs; i++) {
		if (procs[i].nodeid == nodeid && procs[i].pid == pid) {
			return &procs[i];
		}
	}
	if (n_procs == MAX_PROCS) {
		return NULL;
	}
	procs[n_procs].nodeid = nodeid;
	procs[n_procs].pid = pid;
	procs[n_procs].received = 0;
	return &procs[n_procs++];
}

/* Every current member's COUNT messages have arrived. */
static int all_received(unsigned long long count)
{
	unsigned i;

	for (i = 0; i < n_current; i++) {
		struct proc *p = proc_of(current[i].nodeid, current[i].pid);
		if (p && p->received < count) {
			return 0;
		}
	}
	return 1;
}
static uint32_t my_nodeid, my_pid;
static unsigned long long own_delivered;

static uint64_t now_ns(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000ULL + ts.tv_nsec;
}

static void deliver_fn(cpg_handle_t h, const struct cpg_name *g, uint32_t nodeid,
		       uint32_t pid, void *msg, size_t len)
{
	struct msg_head m;
	uint64_t now = now_ns();

	if (len < sizeof(m)) {
		return;
	}
	memcpy(&m, msg, sizeof(m));
	if (m.magic != 0xA7A1C0DE) {
		return;
	}
	delivered++;
	{
		struct proc *p = proc_of(nodeid, pid);
		if (p) {
			p->received++;
		}
	}
	if (m.nodeid == my_nodeid && m.pid == my_pid) {
		own_delivered++;
	}
	if (now > m.sent_ns) {
		uint64_t l = now - m.sent_ns;
		lat_sum_ns += l;
		if (l > lat_max_ns) {
			lat_max_ns = l;
		}
	}
	if (out) {
		fprintf(out, "%u %u %u\n", nodeid, pid, m.seq);
	}
}

static void confchg_fn(cpg_handle_t h, const struct cpg_name *g,
		       const struct cpg_address *members, size_t n_members,
		       const struct cpg_address *left, size_t n_left,
		       const struct cpg_address *joined, size_t n_joined)
{
	size_t i;

	members_seen = n_members;
	n_current = 0;
	for (i = 0; i < n_members && i < MAX_PROCS; i++) {
		current[n_current].nodeid = members[i].nodeid;
		current[n_current].pid = members[i].pid;
		n_current++;
	}
}

int main(int argc, char **argv)
{
	cpg_handle_t h;
	cpg_model_v1_data_t model = {
		.model = CPG_MODEL_V1,
		.cpg_deliver_fn = deliver_fn,
		.cpg_confchg_fn = confchg_fn,
		.flags = 0,
	};
	struct cpg_name group;
	unsigned members, count, size, window = 0, seq = 0, retries = 0;
	unsigned long long want;
	char *buf;
	cs_error_t e;
	uint64_t start, deadline;
	struct msg_head m;

	if (argc != 6 && argc != 7) {
		fprintf(stderr, "usage: cpgbench GROUP MEMBERS COUNT SIZE OUTFILE [WINDOW]\n");
		return 1;
	}
	if (argc == 7) {
		window = atoi(argv[6]);
	}
	members = atoi(argv[2]);
	count = atoi(argv[3]);
	size = atoi(argv[4]);
	if (size < sizeof(m)) {
		size = sizeof(m);
	}
	if (strcmp(argv[5], "-") != 0) {
		out = fopen(argv[5], "w");
		if (!out) {
			perror("open output");
			return 1;
		}
	}
	group.length = strlen(argv[1]);
	memcpy(group.value, argv[1], group.length);
	buf = calloc(1, size);

	while ((e = cpg_model_initialize(&h, CPG_MODEL_V1, (cpg_model_data_t *)&model, NULL)) == CS_ERR_TRY_AGAIN) {
		usleep(100000);
	}
	if (e != CS_OK) {
		fprintf(stderr, "cpg_model_initialize: %d\n", e);
		return 1;
	}
	while ((e = cpg_join(h, &group)) == CS_ERR_TRY_AGAIN) {
		usleep(100000);
	}
	if (e != CS_OK) {
		fprintf(stderr, "cpg_join: %d\n", e);
		return 1;
	}
	deadline = now_ns() + 600ULL * 1000000000ULL;
	while (members_seen < members) {
		cpg_dispatch(h, CS_DISPATCH_ONE);
		if (now_ns() > deadline) {
			fprintf(stderr, "timeout waiting for %u members (saw %u)\n", members, members_seen);
			return 2;
		}
	}
	m.magic = 0xA7A1C0DE;
	cpg_local_get(h, &m.nodeid);
	m.pid = getpid();
	my_nodeid = m.nodeid;
	my_pid = m.pid;
	want = (unsigned long long)count * members;
	start = now_ns();
	while (seq < count || !all_received(count)) {
		if (seq < count && window && seq - own_delivered >= window) {
			cpg_dispatch(h, CS_DISPATCH_ONE);
		} else if (seq < count) {
			struct iovec iov = { .iov_base = buf, .iov_len = size };
			m.seq = seq;
			m.sent_ns = now_ns();
			memcpy(buf, &m, sizeof(m));
			e = cpg_mcast_joined(h, CPG_TYPE_AGREED, &iov, 1);
			if (e == CS_OK) {
				seq++;
			} else if (e == CS_ERR_TRY_AGAIN) {
				retries++;
				cpg_dispatch(h, CS_DISPATCH_ALL);
				usleep(200);
			} else {
				fprintf(stderr, "cpg_mcast_joined: %d\n", e);
				return 1;
			}
			cpg_dispatch(h, CS_DISPATCH_ALL);
		} else {
			cpg_dispatch(h, CS_DISPATCH_ONE);
		}
		if (now_ns() > deadline) {
			fprintf(stderr, "timeout: delivered %llu of %llu\n", delivered, want);
			return 2;
		}
	}
	printf("delivered=%llu elapsed_ms=%llu latency_us_avg=%llu latency_us_max=%llu sent_retries=%u\n",
	       delivered, (unsigned long long)((now_ns() - start) / 1000000),
	       delivered ? lat_sum_ns / delivered / 1000 : 0, lat_max_ns / 1000, retries);
	if (out) {
		fclose(out);
	}
	cpg_finalize(h);
	return 0;
}
