/* A libqb IPC client for Atrium's interop tests (our own test program).
 * usage: client <service> <rounds> <events>
 * Talks the "echo" protocol of qb_ipc_c_peers.rs: a request id N with a
 * payload is answered with a response id N and the same payload; id 2 asks
 * for <payload> events; id 4 turns flow control on for a while. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/uio.h>
#include <qb/qbipcc.h>
#include <qb/qbipc_common.h>

static char buf[1 << 20];

static int echo(qb_ipcc_connection_t *c, int id, const char *payload)
{
    struct qb_ipc_request_header h = { .id = id, .size = sizeof(h) + strlen(payload) };
    struct iovec iov[2] = { { &h, sizeof(h) }, { (void *)payload, strlen(payload) } };
    ssize_t n = qb_ipcc_sendv_recv(c, iov, 2, buf, sizeof(buf), 5000);
    if (n < 0) {
        printf("sendv_recv %d failed %zd\n", id, n);
        return -1;
    }
    struct qb_ipc_response_header *r = (void *)buf;
    if (r->id != id || r->size != n || (size_t)n != sizeof(*r) + strlen(payload)
        || memcmp(buf + sizeof(*r), payload, strlen(payload)) != 0) {
        printf("bad echo for %d: id %d size %d n %zd\n", id, r->id, r->size, n);
        return -1;
    }
    return 0;
}

int main(int argc, char **argv)
{
    if (argc < 4) return 2;
    int rounds = atoi(argv[2]), events = atoi(argv[3]);
    qb_ipcc_connection_t *c = qb_ipcc_connect(argv[1], 8192);
    if (!c) { printf("connect failed %d\n", errno); return 1; }
    pid_t pid; uid_t uid; gid_t gid;
    qb_ipcc_auth_get(c, &pid, &uid, &gid);
    printf("server pid %d uid %d gid %d\n", pid, uid, gid);
    printf("buffer %d\n", qb_ipcc_get_buffer_size(c));
    char p[64];
    for (int i = 0; i < rounds; i++) {
        snprintf(p, sizeof(p), "ping %d", i);
        if (echo(c, 100 + i, p)) return 1;
    }
    printf("echo ok %d\n", rounds);
    if (events > 0) {
        snprintf(p, sizeof(p), "%d", events);
        if (echo(c, 2, p)) return 1;
        for (int i = 0; i < events; i++) {
            ssize_t n = qb_ipcc_event_recv(c, buf, sizeof(buf), 5000);
            char want[64];
            snprintf(want, sizeof(want), "event %d", i);
            struct qb_ipc_response_header *r = (void *)buf;
            if (n != (ssize_t)(sizeof(*r) + strlen(want)) || r->id != 7 || r->size != n
                || memcmp(buf + sizeof(*r), want, strlen(want)) != 0) {
                printf("bad event %d: n %zd\n", i, n);
                return 1;
            }
        }
        printf("events ok %d\n", events);
    }
    /* Oversized message: refused locally. */
    ssize_t big = qb_ipcc_send(c, buf, qb_ipcc_get_buffer_size(c) + 1);
    printf("oversize %s\n", big == -EMSGSIZE ? "EMSGSIZE" : "unexpected");
    /* Flow control: the server sets it after answering id 4. */
    if (echo(c, 4, "fc")) return 1;
    struct qb_ipc_request_header h = { .id = 100, .size = sizeof(h) };
    ssize_t rc = qb_ipcc_send(c, &h, sizeof(h));
    printf("under flow control %s\n", rc == -EAGAIN ? "EAGAIN" : "unexpected");
    int tries = 0;
    while ((rc = qb_ipcc_send(c, &h, sizeof(h))) == -EAGAIN && tries++ < 500) {
        struct timespec ts = {0, 10 * 1000 * 1000};
        nanosleep(&ts, NULL);
    }
    printf("after flow control %s\n", rc == sizeof(h) ? "sent" : "unexpected");
    rc = qb_ipcc_recv(c, buf, sizeof(buf), 5000);
    printf("final recv %zd\n", rc);
    qb_ipcc_disconnect(c);
    printf("done\n");
    return 0;
}
