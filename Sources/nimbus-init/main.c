// nimbus-init: the first process of every function instance.
//
// Nimbus starts it with a "lifeline" pipe as standard input. It forks the instance's program into
// a process group of its own (the program's pid) and then waits. When the program exits, it kills
// whatever the program left in that group and exits with the program's status. When the lifeline
// reaches end-of-file (Nimbus exited, even by SIGKILL) or it receives SIGTERM, it stops the group:
// SIGTERM, a grace period, then SIGKILL. SIGINT stops it at once (SIGKILL). So an instance never
// outlives Nimbus, and a timed-out instance dies with all its children.
//
// Before it runs the program, the child can join cgroups (so the program and everything it starts
// are counted and limited), lower its resource limits and drop to an unprivileged user.
//
// Usage: nimbus-init [--grace-ms N] [--cgroup-procs FILE]... [--rlimit-nofile N] [--uid U --gid G]
//                    [--no-lifeline] [--relay HOST_PORT:PORT] [--new-netns [--egress PASTA] | --join-netns PATH]
//                    [--cleanup-mount PATH]... -- program [args...]
//        nimbus-init --hold-netns PASTA
// (--cleanup-mount: on exit, unmount everything mounted at PATH and remove it; standby code slots.)
// (--new-netns runs the program in a network namespace of its own, with pasta for internet access if
//  --egress names it, or in the one a --hold-netns holder made ahead, see netns.c; --relay carries
//  connections from 127.0.0.1:HOST_PORT into it, see relay.c.)
// (--no-lifeline ignores standard input: for one-off checks, not for instances.)
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <grp.h>
#include <sys/prctl.h>
#include <sched.h>
#include <sys/mount.h>
#include <sys/resource.h>
#include <sys/signalfd.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "netns.h"
#include "relay.h"

static long now_ms(void) {
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return ts.tv_sec * 1000L + ts.tv_nsec / 1000000L;
}

static int exit_code(int status) {
    if (WIFEXITED(status)) return WEXITSTATUS(status);
    if (WIFSIGNALED(status)) return 128 + WTERMSIG(status);
    return 1;
}

// Stops the program's process group: SIGTERM, up to grace_ms for the program to exit, then SIGKILL.
static void stop_group(pid_t child, long grace_ms, int sfd) {
    if (grace_ms > 0) kill(-child, SIGTERM);
    long deadline = now_ms() + grace_ms;
    int child_done = 0;
    while (!child_done && now_ms() < deadline) {
        int status;
        pid_t pid = waitpid(-1, &status, WNOHANG);
        netns_reaped(pid);
        if (pid == child) child_done = 1;
        if (pid <= 0) {
            struct pollfd p = {.fd = sfd, .events = POLLIN};
            poll(&p, 1, 20);
            struct signalfd_siginfo info;
            while (read(sfd, &info, sizeof info) == sizeof info) {}
        }
    }
    kill(-child, SIGKILL);
    kill(child, SIGKILL);
    for (pid_t pid; (pid = waitpid(-1, NULL, WNOHANG)) > 0;) netns_reaped(pid);
}

#define MAX_CGROUPS 8
#define MAX_MOUNTS 4

static char *cleanup_mounts[MAX_MOUNTS];
static int cleanup_count = 0;

// Unmounts every layer at each registered path and removes it; runs however nimbus-init ends.
static void cleanup(void) {
    netns_stop_egress();
    for (int m = 0; m < cleanup_count; m++) {
        for (int layer = 0; layer < 8 && umount2(cleanup_mounts[m], MNT_DETACH) == 0; layer++) {}
        rmdir(cleanup_mounts[m]);
    }
}

// Runs in the child before exec: cgroups first (needs privileges), then limits, then the user.
static void prepare_child(char **cgroups, int cgroup_count, long nofile, long uid, long gid) {
    char pid[32];
    snprintf(pid, sizeof pid, "%d\n", getpid());
    for (int c = 0; c < cgroup_count; c++) {
        int fd = open(cgroups[c], O_WRONLY);
        if (fd < 0 || write(fd, pid, strlen(pid)) < 0) {
            fprintf(stderr, "nimbus-init: cannot join %s: %s\n", cgroups[c], strerror(errno));
            _exit(126);
        }
        close(fd);
    }
    if (nofile > 0) {
        struct rlimit limit = {.rlim_cur = (rlim_t)nofile, .rlim_max = (rlim_t)nofile};
        setrlimit(RLIMIT_NOFILE, &limit);
    }
    if (gid >= 0 && (setgroups(0, NULL) != 0 || setgid((gid_t)gid) != 0)) {
        fprintf(stderr, "nimbus-init: cannot switch to group %ld: %s\n", gid, strerror(errno));
        _exit(126);
    }
    if (uid >= 0 && setuid((uid_t)uid) != 0) {
        fprintf(stderr, "nimbus-init: cannot switch to user %ld: %s\n", uid, strerror(errno));
        _exit(126);
    }
    prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0);
}

int main(int argc, char **argv) {
    long grace_ms = 2000, nofile = 0, uid = -1, gid = -1;
    int lifeline = 1, relay_host = 0, relay_port = 0, new_netns = 0;
    const char *egress = NULL, *join_netns = NULL, *hold_netns = NULL;
    char *cgroups[MAX_CGROUPS];
    int cgroup_count = 0;
    int i = 1;
    for (; i < argc; i++) {
        if (strcmp(argv[i], "--grace-ms") == 0 && i + 1 < argc) {
            grace_ms = atol(argv[++i]);
        } else if (strcmp(argv[i], "--cgroup-procs") == 0 && i + 1 < argc && cgroup_count < MAX_CGROUPS) {
            cgroups[cgroup_count++] = argv[++i];
        } else if (strcmp(argv[i], "--rlimit-nofile") == 0 && i + 1 < argc) {
            nofile = atol(argv[++i]);
        } else if (strcmp(argv[i], "--relay") == 0 && i + 1 < argc) {
            sscanf(argv[++i], "%d:%d", &relay_host, &relay_port);
        } else if (strcmp(argv[i], "--cleanup-mount") == 0 && i + 1 < argc && cleanup_count < MAX_MOUNTS) {
            cleanup_mounts[cleanup_count++] = argv[++i];
        } else if (strcmp(argv[i], "--new-netns") == 0) {
            new_netns = 1;
        } else if (strcmp(argv[i], "--egress") == 0 && i + 1 < argc) {
            egress = argv[++i];
        } else if (strcmp(argv[i], "--join-netns") == 0 && i + 1 < argc) {
            join_netns = argv[++i];
        } else if (strcmp(argv[i], "--hold-netns") == 0 && i + 1 < argc) {
            hold_netns = argv[++i];
        } else if (strcmp(argv[i], "--no-lifeline") == 0) {
            lifeline = 0;
        } else if (strcmp(argv[i], "--uid") == 0 && i + 1 < argc) {
            uid = atol(argv[++i]);
        } else if (strcmp(argv[i], "--gid") == 0 && i + 1 < argc) {
            gid = atol(argv[++i]);
        } else if (strcmp(argv[i], "--") == 0) {
            i++;
            break;
        } else {
            break;
        }
    }
    if (i >= argc && !hold_netns) {
        fprintf(stderr, "nimbus-init: no program given\n");
        return 2;
    }
    setsid();  // already a session leader when Nimbus asked for one; harmless otherwise
    atexit(cleanup);
    // A write to Nimbus's pipes after it died, or to a relayed socket its peer closed, must fail
    // with EPIPE, not kill nimbus-init before its cleanup (pasta and a held namespace would leak).
    signal(SIGPIPE, SIG_IGN);

    sigset_t handled;
    sigemptyset(&handled);
    sigaddset(&handled, SIGCHLD);
    sigaddset(&handled, SIGTERM);
    sigaddset(&handled, SIGINT);
    sigaddset(&handled, SIGHUP);
    sigprocmask(SIG_BLOCK, &handled, NULL);
    int sfd = signalfd(-1, &handled, SFD_CLOEXEC | SFD_NONBLOCK);
    if (hold_netns) return netns_hold(hold_netns, sfd);

    // The relay's host port is bound before the namespace exists, so it stays in the host's.
    if (relay_host > 0 && relay_bind(relay_host, relay_port) != 0) return 1;
    int host_ns = -1, sandbox_ns = -1;
    if (join_netns) {
        new_netns = 1;
        if ((sandbox_ns = netns_join(join_netns, &host_ns)) < 0) return 1;
    } else if (new_netns) {
        sandbox_ns = netns_create(&host_ns);
        if (sandbox_ns < 0 || (egress && netns_start_egress(egress, host_ns, sandbox_ns, 0) != 0)) return 1;
    }

    pid_t child = fork();
    if (child < 0) {
        perror("nimbus-init: fork");
        return 1;
    }
    setpgid(child, child);  // also here, so the group exists before either side runs on
    if (child == 0) {
        setpgid(0, 0);
        sigprocmask(SIG_UNBLOCK, &handled, NULL);
        int devnull = open("/dev/null", O_RDONLY);
        if (devnull >= 0) {
            dup2(devnull, 0);
            close(devnull);
        }
        signal(SIGPIPE, SIG_DFL);  // the program gets the default nimbus-init does not keep
        prepare_child(cgroups, cgroup_count, nofile, uid, gid);
        execvp(argv[i], &argv[i]);
        fprintf(stderr, "nimbus-init: cannot run %s: %s\n", argv[i], strerror(errno));
        _exit(127);
    }

    if (new_netns && setns(host_ns, CLONE_NEWNET) != 0) {  // the program keeps the new one
        perror("nimbus-init: setns");
        stop_group(child, 0, sfd);
        return 1;
    }
    if (relay_host > 0) relay_connect_into(new_netns ? host_ns : -1, sandbox_ns);
    static struct pollfd fds[2 + 1 + 2 * RELAY_MAX_LINKS];
    for (;;) {
        fds[0] = (struct pollfd){.fd = lifeline ? 0 : -1, .events = POLLIN};
        fds[1] = (struct pollfd){.fd = sfd, .events = POLLIN};
        int relayed = relay_host > 0 ? relay_fill(fds + 2, (int)(sizeof fds / sizeof fds[0]) - 2) : 0;
        int tick = relay_host > 0 ? relay_tick_ms() : 0;
        int ready = poll(fds, (nfds_t)(2 + relayed), tick > 0 ? tick : -1);
        if (ready < 0) {
            if (errno == EINTR) continue;
            break;
        }
        if (relay_host > 0) {
            relay_handle(fds + 2, relayed);
            relay_tick();
        }
        if (fds[0].revents) {
            char buffer[64];
            ssize_t n = read(0, buffer, sizeof buffer);
            if (n == 0 || (n < 0 && errno != EINTR && errno != EAGAIN)) {
                stop_group(child, grace_ms, sfd);  // the lifeline is gone: Nimbus is gone
                return 1;
            }
        }
        if (fds[1].revents) {
            struct signalfd_siginfo info;
            while (read(sfd, &info, sizeof info) == sizeof info) {
                if (info.ssi_signo == SIGCHLD) {
                    int status;
                    pid_t pid;
                    while ((pid = waitpid(-1, &status, WNOHANG)) > 0) {
                        netns_reaped(pid);
                        if (pid == child) {
                            kill(-child, SIGKILL);  // leftovers of the program die with it
                            if (relay_host > 0) relay_drain(200);
                            return exit_code(status);
                        }
                    }
                } else {
                    stop_group(child, info.ssi_signo == SIGINT ? 0 : grace_ms, sfd);
                    return 128 + (int)info.ssi_signo;
                }
            }
        }
    }
    stop_group(child, grace_ms, sfd);
    return 1;
}
