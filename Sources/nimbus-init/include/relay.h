#ifndef NIMBUS_RELAY_H
#define NIMBUS_RELAY_H
#include <poll.h>
#include <sys/types.h>

#define RELAY_MAX_LINKS 512

/// Binds the host-side loopback port; the relay listens once the instance accepts on `port`.
int relay_bind(int host_port, int port);
/// The namespaces to connect from (`host`) and into (`sandbox`); -1 and -1: nimbus-init's own.
void relay_connect_into(int host, int sandbox);
/// How long the main loop may wait before the next ``relay_tick`` while the relay still waits for
/// the instance to accept; 0 once it listens (no ticks wanted).
int relay_tick_ms(void);
void relay_tick(void);
/// Adds the relay's sockets to a poll set; returns how many were added.
int relay_fill(struct pollfd *fds, int max);
void relay_handle(struct pollfd *fds, int count);
/// After the program exited: carries what it had already sent to Nimbus, for up to `ms` (its last
/// answer may still be in the instance's socket when it exits).
void relay_drain(long ms);
#endif
