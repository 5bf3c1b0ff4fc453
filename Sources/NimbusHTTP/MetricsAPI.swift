import Hummingbird
import Prometheus

/// `GET /metrics`: Prometheus text from the server's registry. Unsigned, like `/health`, so that a scraper
/// needs no FC keys; it names services and functions, so expose the listener only where they may be seen.
package struct MetricsAPI: Sendable {
    let registry: PrometheusCollectorRegistry
    /// Brings gauges that are read rather than counted (queue backlog) up to date before each scrape.
    let refresh: @Sendable () async -> Void

    package init(registry: PrometheusCollectorRegistry, refresh: @escaping @Sendable () async -> Void) {
        self.registry = registry
        self.refresh = refresh
    }

    package func register(on router: Router<NimbusRequestContext>) {
        router.get("metrics") { _, _ in
            await refresh()
            var headers = HTTPFields()
            headers[.contentType] = "text/plain; version=0.0.4; charset=utf-8"
            return Response(
                status: .ok, headers: headers, body: .init(byteBuffer: ByteBuffer(bytes: registry.emitToBuffer())))
        }
    }
}
