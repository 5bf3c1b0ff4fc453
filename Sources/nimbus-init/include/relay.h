#ifndef NIMBUS_RELAY_H
#define NIMBUS_RELAY_H
#include <poll.h>
#include <sys/types.h>

#define RELAY_MAX_LINKS 512

/// Binds the host-side loopback port; the relay listens once the instance accepts on `port`.
int relay_bind(int host_port, int port);
/// The namespaces to connect from (`host`) and into (`sandbox`); -1 and -1: nimbus-init's own.
void relay_connect_into(int host, int sandbox);
/// Whether the relay still waits for the instance (main loop polls with a short timeout then).
int relay_wants_ticks(void);
void relay_tick(void);
/// Adds the relay's sockets to a poll set; returns how many were added.
int relay_fill(struct pollfd *fds, int max);
void relay_handle(struct pollfd *fds, int count);
#endif
