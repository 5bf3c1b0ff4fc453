#ifndef NIMBUS_NAMESPACE_SOCKET_H
#define NIMBUS_NAMESPACE_SOCKET_H

// A TCP socket made inside the network namespace `ns` (an open /proc/PID/ns/net), connected to
// 127.0.0.1:port there and left non-blocking: the connection stays in that namespace, so Nimbus
// reaches an instance's program without a relay copying the bytes. Waits at most `timeout_ms` for
// the connect. Returns the descriptor, or -1 with errno set. Thread-safe: only the calling thread
// enters the namespace, and it is back in Nimbus's own before the call returns.
int nimbus_connect_in_namespace(int ns, int port, int timeout_ms);

// The inode of a namespace file (to tell an instance's namespace from Nimbus's own); 0 on error.
unsigned long long nimbus_namespace_inode(int fd);

#endif
