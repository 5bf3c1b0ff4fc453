#ifndef NIMBUS_NETNS_H
#define NIMBUS_NETNS_H
#include <sys/types.h>

/// Moves nimbus-init into a new network namespace with loopback up; returns its fd (and the host's
/// in *host_ns), or -1 with a message on stderr. Sockets made before the call stay in the host's.
int netns_create(int *host_ns);
/// Gives the namespace internet access through pasta (passt), started from the host's namespace,
/// with no port forwarded either way and the gateway not mapped to the host: returns once pasta has
/// configured the namespace, or -1 with a message on stderr.
int netns_start_egress(const char *pasta, int host_ns, int sandbox_ns);
/// Called for every child nimbus-init reaps: pasta ending on its own is said, and not killed later.
void netns_reaped(pid_t pid);
/// Stops pasta, if it runs.
void netns_stop_egress(void);
#endif
