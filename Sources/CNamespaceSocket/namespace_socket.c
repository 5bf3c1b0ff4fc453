#define _GNU_SOURCE
#include "namespace_socket.h"

#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <pthread.h>
#include <sched.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <unistd.h>

static int host_ns = -1;
static pthread_once_t host_once = PTHREAD_ONCE_INIT;
// A thread that could not get back to Nimbus's namespace would make every later socket in the
// instance's: it refuses to make any more.
static __thread int stranded = 0;

static void open_host(void) { host_ns = open("/proc/self/ns/net", O_RDONLY | O_CLOEXEC); }

int nimbus_connect_in_namespace(int ns, int port, int timeout_ms) {
    pthread_once(&host_once, open_host);
    if (host_ns < 0 || stranded) {
        errno = EPERM;
        return -1;
    }
    if (setns(ns, CLONE_NEWNET) != 0) return -1;
    int fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);
    int saved = errno;
    if (setns(host_ns, CLONE_NEWNET) != 0) {
        stranded = 1;
        if (fd >= 0) close(fd);
        errno = EPERM;
        return -1;
    }
    if (fd < 0) {
        errno = saved;
        return -1;
    }
    struct sockaddr_in address = {.sin_family = AF_INET, .sin_port = htons((uint16_t)port)};
    address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    if (connect(fd, (struct sockaddr *)&address, sizeof address) != 0) {
        if (errno != EINPROGRESS) goto fail;
        struct pollfd wait = {.fd = fd, .events = POLLOUT};
        int ready = poll(&wait, 1, timeout_ms);
        if (ready <= 0) {
            if (ready == 0) errno = ETIMEDOUT;
            goto fail;
        }
        int error = 0;
        socklen_t length = sizeof error;
        if (getsockopt(fd, SOL_SOCKET, SO_ERROR, &error, &length) != 0) goto fail;
        if (error != 0) {
            errno = error;
            goto fail;
        }
    }
    int yes = 1;
    setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &yes, sizeof yes);
    return fd;
fail:
    saved = errno;
    close(fd);
    errno = saved;
    return -1;
}

unsigned long long nimbus_namespace_inode(int fd) {
    struct stat info;
    return fstat(fd, &info) == 0 ? (unsigned long long)info.st_ino : 0;
}
