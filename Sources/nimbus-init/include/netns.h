#ifndef NIMBUS_NETNS_H
#define NIMBUS_NETNS_H
#include <sys/types.h>

/// Moves nimbus-init into a new network namespace with loopback up; returns its fd (and the host's
/// in *host_ns), or -1 with a message on stderr. Sockets made before the call stay in the host's.
int netns_create(int *host_ns);
/// Moves nimbus-init into the network namespace bound at `path` (a holder's); returns its fd (and the
/// host's in *host_ns), or -1 with a message on stderr.
int netns_join(const char *path, int *host_ns);
/// Gives the namespace internet access through pasta (passt), started from the host's namespace,
/// with no port forwarded either way and the gateway not mapped to the host: returns once pasta has
/// configured the namespace, or -1 with a message on stderr. With `keep`, the namespace stays bound
/// at /run/nimbus-netns/PID until ``netns_stop_egress``.
int netns_start_egress(const char *pasta, int host_ns, int sandbox_ns, int keep);
/// A holder (`--hold-netns`): makes a namespace with pasta, prints `netns PATH` once instances can
/// join it, and keeps it until its lifeline closes or a signal comes; pasta ending ends it too.
/// Returns the exit status; `sfd` is the signalfd for SIGCHLD and the stop signals.
int netns_hold(const char *pasta, int sfd);
/// Called for every child nimbus-init reaps: pasta ending on its own is said, and not killed later.
void netns_reaped(pid_t pid);
/// Stops pasta, if it runs, and unbinds a held namespace.
void netns_stop_egress(void);
#endif
