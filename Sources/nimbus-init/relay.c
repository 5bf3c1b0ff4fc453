// The relay into an instance's network namespace (netns.c): the instance listens on its port there;
// Nimbus connects to a loopback port on the host; this relay, running in nimbus-init with the host's
// namespace, carries each connection across. It listens only once the instance accepts connections, so Nimbus's readiness check holds.
#define _GNU_SOURCE
#include "relay.h"

#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <sched.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#define RELAY_BUFFER 65536

struct pipe_half {
    char data[RELAY_BUFFER];
    size_t length, offset;
    int eof;  // the reading side has ended
};

struct link {
    int outside, inside;
    struct pipe_half in;   // outside -> inside
    struct pipe_half out;  // inside -> outside
    int in_use;
};

static struct link links[RELAY_MAX_LINKS];
static int listener = -1, listening = 0, host_ns = -1, sandbox_ns = -1, inner_port = 0;

static void nonblocking(int fd) { fcntl(fd, F_SETFL, fcntl(fd, F_GETFL) | O_NONBLOCK); }

int relay_bind(int host_port, int port) {
    inner_port = port;
    listener = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);
    int yes = 1;
    setsockopt(listener, SOL_SOCKET, SO_REUSEADDR, &yes, sizeof yes);
    struct sockaddr_in address = {.sin_family = AF_INET, .sin_port = htons((uint16_t)host_port)};
    address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    if (listener < 0 || bind(listener, (struct sockaddr *)&address, sizeof address) != 0) {
        fprintf(stderr, "nimbus-init: relay cannot bind 127.0.0.1:%d: %s\n", host_port, strerror(errno));
        return -1;
    }
    return 0;
}

void relay_connect_into(int host, int sandbox) {
    host_ns = host;
    sandbox_ns = sandbox;
}

// A socket connected (or connecting) to the instance's port inside its namespace.
static int connect_inside(int blocking) {
    if (sandbox_ns >= 0 && setns(sandbox_ns, CLONE_NEWNET) != 0) return -1;
    int fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
    if (sandbox_ns >= 0) setns(host_ns, CLONE_NEWNET);
    if (fd < 0) return -1;
    struct sockaddr_in address = {.sin_family = AF_INET, .sin_port = htons((uint16_t)inner_port)};
    address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    if (!blocking) nonblocking(fd);
    if (connect(fd, (struct sockaddr *)&address, sizeof address) != 0 && errno != EINPROGRESS) {
        close(fd);
        return -1;
    }
    if (blocking) nonblocking(fd);
    int yes = 1;
    setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &yes, sizeof yes);
    return fd;
}

static int probes = 0;

// Every millisecond for the first 100 probes (most programs listen by then, and each tick waited is
// cold-start time), then every 10 ms; 0 once listening (no ticks wanted).
int relay_tick_ms(void) { return listener >= 0 && !listening ? (probes < 100 ? 1 : 10) : 0; }

void relay_tick(void) {
    if (listener < 0 || listening) return;
    probes++;
    int probe = connect_inside(1);
    if (probe < 0) return;
    close(probe);
    listen(listener, 128);
    listening = 1;
}

int relay_fill(struct pollfd *fds, int max) {
    int count = 0;
    if (listening && count < max) fds[count++] = (struct pollfd){.fd = listener, .events = POLLIN};
    for (int i = 0; i < RELAY_MAX_LINKS && count + 2 <= max; i++) {
        struct link *l = &links[i];
        if (!l->in_use) continue;
        short outside = 0, inside = 0;
        if (!l->in.eof && l->in.length == 0) outside |= POLLIN;
        if (l->out.length > 0) outside |= POLLOUT;
        if (!l->out.eof && l->out.length == 0) inside |= POLLIN;
        if (l->in.length > 0) inside |= POLLOUT;
        fds[count++] = (struct pollfd){.fd = l->outside, .events = outside};
        fds[count++] = (struct pollfd){.fd = l->inside, .events = inside};
    }
    return count;
}

static void close_link(struct link *l) {
    close(l->outside);
    close(l->inside);
    l->in_use = 0;
}

// Moves bytes from one socket into a half's buffer, or from the buffer to the other socket.
static int pump(int from, int to, struct pipe_half *half, short from_events, short to_events) {
    if ((from_events & (POLLIN | POLLHUP | POLLERR)) && half->length == 0 && !half->eof) {
        ssize_t n = read(from, half->data, RELAY_BUFFER);
        if (n > 0) {
            half->length = (size_t)n;
            half->offset = 0;
        } else if (n == 0 || (errno != EAGAIN && errno != EINTR)) {
            half->eof = 1;
            shutdown(to, SHUT_WR);
        }
    }
    if ((to_events & POLLOUT) && half->length > 0) {
        ssize_t n = write(to, half->data + half->offset, half->length);
        if (n > 0) {
            half->offset += (size_t)n;
            half->length -= (size_t)n;
        } else if (n < 0 && errno != EAGAIN && errno != EINTR) {
            return -1;
        }
    }
    return 0;
}

static void accept_links(void) {
    int client;
    while ((client = accept4(listener, NULL, NULL, SOCK_NONBLOCK | SOCK_CLOEXEC)) >= 0) {
        int slot = -1;
        for (int i = 0; i < RELAY_MAX_LINKS && slot < 0; i++)
            if (!links[i].in_use) slot = i;
        int inside = slot >= 0 ? connect_inside(0) : -1;
        if (inside < 0) {
            close(client);
            continue;
        }
        int yes = 1;
        setsockopt(client, IPPROTO_TCP, TCP_NODELAY, &yes, sizeof yes);
        memset(&links[slot], 0, sizeof links[slot]);
        links[slot].outside = client;
        links[slot].inside = inside;
        links[slot].in_use = 1;
    }
}

void relay_handle(struct pollfd *fds, int count) {
    int index = listening ? 1 : 0;
    // Existing links first, in the order relay_fill listed them; new ones are accepted after.
    for (int i = 0; i < RELAY_MAX_LINKS && index + 1 < count; i++) {
        struct link *l = &links[i];
        if (!l->in_use) continue;
        short outside = fds[index].revents, inside = fds[index + 1].revents;
        index += 2;
        if ((outside | inside) & POLLERR) {
            close_link(l);
            continue;
        }
        if (pump(l->outside, l->inside, &l->in, outside, inside) < 0 ||
            pump(l->inside, l->outside, &l->out, inside, outside) < 0 ||
            (l->in.eof && l->out.eof && l->in.length == 0 && l->out.length == 0)) {
            close_link(l);
        }
    }
    if (listening && count > 0 && (fds[0].revents & POLLIN)) accept_links();
}

static long drain_clock_ms(void) {
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return ts.tv_sec * 1000L + ts.tv_nsec / 1000000L;
}

void relay_drain(long ms) {
    listening = 0;  // the instance is gone: no new connections
    static struct pollfd fds[2 * RELAY_MAX_LINKS];
    for (long deadline = drain_clock_ms() + ms, left; (left = deadline - drain_clock_ms()) > 0;) {
        int pending = 0;
        for (int i = 0; i < RELAY_MAX_LINKS; i++) {
            if (links[i].in_use && (!links[i].out.eof || links[i].out.length > 0)) pending = 1;
        }
        if (!pending) return;
        int count = relay_fill(fds, 2 * RELAY_MAX_LINKS);
        if (poll(fds, (nfds_t)count, (int)left) < 0 && errno != EINTR) return;
        relay_handle(fds, count);
    }
}
