/* A libqb IPC server for Atrium's interop tests (our own test program).
 * usage: server <service>
 * Same "echo" protocol as client.c; id 5 stops the server after answering,
 * id 6 disconnects the calling client after answering. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/uio.h>
#include <qb/qbdefs.h>
#include <qb/qbipcs.h>
#include <qb/qbloop.h>
#include <qb/qbipc_common.h>

static qb_loop_t *loop;
static qb_ipcs_service_t *svc;
static qb_loop_timer_handle fc_timer;

static int32_t on_accept(qb_ipcs_connection_t *c, uid_t uid, gid_t gid) { return 0; }
static void on_created(qb_ipcs_connection_t *c) { }
static int32_t on_closed(qb_ipcs_connection_t *c) { return 0; }
static void on_destroyed(qb_ipcs_connection_t *c) { }
static void fc_off(void *data) { qb_ipcs_request_rate_limit(svc, QB_IPCS_RATE_NORMAL); }

static int32_t on_msg(qb_ipcs_connection_t *c, void *data, size_t size)
{
    struct qb_ipc_request_header *h = data;
    char *payload = (char *)data + sizeof(*h);
    size_t plen = h->size - sizeof(*h);
    struct qb_ipc_response_header r = { .id = h->id, .size = sizeof(r) + plen, .error = 0 };
    struct iovec iov[2] = { { &r, sizeof(r) }, { payload, plen } };
    if (h->id == 4) {
        /* Before the answer, so the client sees it set once answered. */
        qb_ipcs_request_rate_limit(svc, QB_IPCS_RATE_OFF);
        qb_loop_timer_add(loop, QB_LOOP_HIGH, 300 * 1000000ULL, NULL, fc_off, &fc_timer);
    }
    qb_ipcs_response_sendv(c, iov, 2);
    if (h->id == 2) {
        char tmp[32] = {0};
        memcpy(tmp, payload, plen < 31 ? plen : 31);
        int n = atoi(tmp);
        for (int i = 0; i < n; i++) {
            char ev[64];
            snprintf(ev, sizeof(ev), "event %d", i);
            struct qb_ipc_response_header e = { .id = 7, .size = sizeof(e) + strlen(ev), .error = 0 };
            struct iovec eiov[2] = { { &e, sizeof(e) }, { ev, strlen(ev) } };
            if (qb_ipcs_event_sendv(c, eiov, 2) < 0) {
                printf("event %d not sent\n", i);
                fflush(stdout);
            }
        }
    } else if (h->id == 5) {
        qb_loop_stop(loop);
    } else if (h->id == 6) {
        qb_ipcs_disconnect(c);
    }
    return 0;
}

static int32_t job_add(enum qb_loop_priority p, void *data, qb_loop_job_dispatch_fn fn)
{ return qb_loop_job_add(loop, p, data, fn); }
static int32_t d_add(enum qb_loop_priority p, int32_t fd, int32_t ev, void *data, qb_ipcs_dispatch_fn_t fn)
{ return qb_loop_poll_add(loop, p, fd, ev, data, fn); }
static int32_t d_mod(enum qb_loop_priority p, int32_t fd, int32_t ev, void *data, qb_ipcs_dispatch_fn_t fn)
{ return qb_loop_poll_mod(loop, p, fd, ev, data, fn); }
static int32_t d_del(int32_t fd) { return qb_loop_poll_del(loop, fd); }

int main(int argc, char **argv)
{
    struct qb_ipcs_service_handlers h = {
        .connection_accept = on_accept, .connection_created = on_created,
        .msg_process = on_msg, .connection_closed = on_closed,
        .connection_destroyed = on_destroyed,
    };
    struct qb_ipcs_poll_handlers ph = {
        .job_add = job_add, .dispatch_add = d_add, .dispatch_mod = d_mod, .dispatch_del = d_del,
    };
    if (argc < 2) return 2;
    loop = qb_loop_create();
    svc = qb_ipcs_create(argv[1], 0, QB_IPC_SHM, &h);
    if (argc > 2) qb_ipcs_enforce_buffer_size(svc, atoi(argv[2]));
    qb_ipcs_poll_handlers_set(svc, &ph);
    if (qb_ipcs_run(svc) != 0) { printf("run failed\n"); return 1; }
    printf("ready\n");
    fflush(stdout);
    qb_loop_run(loop);
    qb_ipcs_destroy(svc);
    printf("stopped\n");
    return 0;
}
