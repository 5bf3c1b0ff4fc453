// Every sandboxed instance's network namespace: nimbus-init creates it before it forks the program
// (so bubblewrap inherits it), with only loopback, or joins one a holder made ahead with loopback and
// pasta for internet access (pasta takes 20-50 ms to start: off the cold start). The instance sees
// neither the host's loopback nor any other instance; Nimbus reaches it through the relay.
#define _GNU_SOURCE
#include "netns.h"

#include <errno.h>
#include <fcntl.h>
#include <net/if.h>
#include <poll.h>
#include <sched.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mount.h>
#include <sys/prctl.h>
#include <sys/signalfd.h>
#include <sys/stat.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

static pid_t pasta_pid = 0;
// A holder's namespace, bound where instances can join it; unbound when the holder exits.
static char held_path[64];

static int loopback_up(void) {
    int fd = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
    if (fd < 0) return -1;
    struct ifreq request;
    memset(&request, 0, sizeof request);
    strncpy(request.ifr_name, "lo", IFNAMSIZ - 1);
    int result = ioctl(fd, SIOCGIFFLAGS, &request);
    if (result == 0) {
        request.ifr_flags |= IFF_UP | IFF_RUNNING;
        result = ioctl(fd, SIOCSIFFLAGS, &request);
    }
    close(fd);
    return result;
}

int netns_create(int *host_ns) {
    *host_ns = open("/proc/self/ns/net", O_RDONLY | O_CLOEXEC);
    if (*host_ns < 0 || unshare(CLONE_NEWNET) != 0) {
        fprintf(stderr, "nimbus-init: cannot create a network namespace: %s\n", strerror(errno));
        return -1;
    }
    int sandbox_ns = open("/proc/self/ns/net", O_RDONLY | O_CLOEXEC);
    if (sandbox_ns < 0 || loopback_up() != 0) {
        fprintf(stderr, "nimbus-init: cannot bring up loopback in the instance's namespace: %s\n", strerror(errno));
        return -1;
    }
    return sandbox_ns;
}

// Reads pasta's pid file (pasta daemonizes once the namespace is configured) and removes it.
static pid_t read_pid_file(const char *path) {
    FILE *file = fopen(path, "r");
    long pid = 0;
    if (file) {
        if (fscanf(file, "%ld", &pid) != 1) pid = 0;
        fclose(file);
    }
    unlink(path);
    return (pid_t)pid;
}

// What pasta said, without its complaints about a missing syslog (it has none to write to here).
static void report(const char *path) {
    FILE *file = fopen(path, "r");
    char line[512];
    while (file && fgets(line, sizeof line, file)) {
        if (!strstr(line, "syslog")) fprintf(stderr, "nimbus-init: pasta: %s", line);
    }
    if (file) fclose(file);
    unlink(path);
}

int netns_join(const char *path, int *host_ns) {
    *host_ns = open("/proc/self/ns/net", O_RDONLY | O_CLOEXEC);
    int sandbox_ns = open(path, O_RDONLY | O_CLOEXEC);
    if (*host_ns < 0 || sandbox_ns < 0 || setns(sandbox_ns, CLONE_NEWNET) != 0) {
        fprintf(stderr, "nimbus-init: cannot join the network namespace at %s: %s\n", path, strerror(errno));
        return -1;
    }
    return sandbox_ns;
}

int netns_start_egress(const char *pasta, int host_ns, int sandbox_ns, int keep) {
    char target[64], pid_file[64];
    // pasta opens the namespace by path once it has dropped most capabilities, and then can't open
    // another process's /proc/PID/ns/net: a bind mount of it (removed as soon as pasta holds it,
    // unless `keep`) it can.
    snprintf(target, sizeof target, "/run/nimbus-netns/%d", getpid());
    mkdir("/run/nimbus-netns", 0700);
    int file = open(target, O_WRONLY | O_CREAT | O_CLOEXEC, 0600);
    if (file >= 0) close(file);
    char source[64];
    snprintf(source, sizeof source, "/proc/self/fd/%d", sandbox_ns);
    if (file < 0 || mount(source, target, NULL, MS_BIND, NULL) != 0) {
        fprintf(stderr, "nimbus-init: cannot bind the instance's network namespace at %s: %s\n", target, strerror(errno));
        unlink(target);
        return -1;
    }
    char said_file[64];
    snprintf(pid_file, sizeof pid_file, "/tmp/nimbus-pasta-%d.pid", getpid());
    snprintf(said_file, sizeof said_file, "/tmp/nimbus-pasta-%d.out", getpid());
    // pasta daemonizes once it is ready; as a subreaper nimbus-init stays its parent, so it can reap it
    // (a container's pid 1 often reaps nothing).
    prctl(PR_SET_CHILD_SUBREAPER, 1, 0, 0, 0);
    pid_t launcher = fork();
    if (launcher < 0) return -1;
    if (launcher == 0) {
        // pasta's own sockets must be the host's: it is the instance's way out.
        if (setns(host_ns, CLONE_NEWNET) != 0) _exit(126);
        sigset_t none;  // nimbus-init blocks the signals it reads from its signalfd; pasta must not
        sigemptyset(&none);
        sigprocmask(SIG_SETMASK, &none, NULL);
        signal(SIGPIPE, SIG_DFL);
        int devnull = open("/dev/null", O_RDWR);
        int said = open(said_file, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
        if (devnull >= 0) dup2(devnull, 0);
        if (said >= 0) dup2(said, 1), dup2(said, 2);
        // --runas 0: as "nobody" this pasta cannot enter a namespace root made; it still drops to
        // CAP_NET_BIND_SERVICE and CAP_SYS_ADMIN, no_new_privs and a seccomp filter once it runs.
        execl(pasta, pasta, "--quiet", "--runas", "0", "--config-net", "--no-map-gw", "-t", "none", "-u", "none",
              "-T", "none", "-U", "none", "--no-netns-quit", "--pid", pid_file, "--netns", target, (char *)NULL);
        fprintf(stderr, "nimbus-init: cannot run %s for internet access: %s\n", pasta, strerror(errno));
        _exit(127);
    }
    int status = 0;
    while (waitpid(launcher, &status, 0) < 0 && errno == EINTR) {}
    if (keep) {
        snprintf(held_path, sizeof held_path, "%s", target);
    } else {
        umount2(target, MNT_DETACH);
        unlink(target);
    }
    pasta_pid = read_pid_file(pid_file);
    if (!WIFEXITED(status) || WEXITSTATUS(status) != 0 || pasta_pid <= 0) {
        fprintf(stderr, "nimbus-init: pasta (%s) could not give the instance internet access (status %d)\n", pasta,
                WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status));
        report(said_file);
        netns_stop_egress();
        return -1;
    }
    unlink(said_file);
    return 0;
}

void netns_reaped(pid_t pid) {
    if (pid != pasta_pid || pid <= 0) return;
    fprintf(stderr, "nimbus-init: pasta exited: the instance has no internet access any more\n");
    pasta_pid = 0;
}

void netns_stop_egress(void) {
    if (pasta_pid > 0 && kill(pasta_pid, SIGKILL) == 0) waitpid(pasta_pid, NULL, 0);
    pasta_pid = 0;
    if (held_path[0]) {
        umount2(held_path, MNT_DETACH);
        unlink(held_path);
        held_path[0] = 0;
    }
}

int netns_hold(const char *pasta, int sfd) {
    int host_ns = -1;
    int sandbox_ns = netns_create(&host_ns);
    if (sandbox_ns < 0 || netns_start_egress(pasta, host_ns, sandbox_ns, 1) != 0) return 1;
    printf("netns %s\n", held_path);
    fflush(stdout);
    for (;;) {
        struct pollfd fds[2] = {{.fd = 0, .events = POLLIN}, {.fd = sfd, .events = POLLIN}};
        if (poll(fds, 2, -1) < 0) {
            if (errno == EINTR) continue;
            return 1;
        }
        if (fds[0].revents) {
            char buffer[64];
            ssize_t n = read(0, buffer, sizeof buffer);
            if (n == 0 || (n < 0 && errno != EINTR && errno != EAGAIN)) return 0;  // the lifeline is gone
        }
        struct signalfd_siginfo info;
        while (fds[1].revents && read(sfd, &info, sizeof info) == sizeof info) {
            if (info.ssi_signo != SIGCHLD) return 0;
            for (pid_t pid; (pid = waitpid(-1, NULL, WNOHANG)) > 0;) netns_reaped(pid);
            if (pasta_pid == 0) return 1;
        }
    }
}
