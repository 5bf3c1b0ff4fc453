import Foundation
import Hummingbird
import HummingbirdTLS
import Logging
import NIOCore
import NimbusCore
import NimbusEvents
import NimbusHTTP
import NimbusInvocation
import NimbusMetering
import NimbusPackages
import NimbusRuntime
import NimbusSQLite
import NimbusTLS
import Prometheus
import ServiceLifecycle

/// The composition root: opens the data dir, builds the stores, the control plane and the router.
package enum NimbusServer {
    /// Builds the application. `onRunning` receives the bound port (useful with port 0); `onRoutes` every
    /// route the router holds, as `METHOD /path/{parameter}` (the route-walk test proves each is signed).
    package static func makeApplication(
        _ configuration: NimbusConfiguration, logger: Logger = Logger(label: "nimbus"),
        onRoutes: @Sendable ([String]) -> Void = { _ in },
        onRunning: @escaping @Sendable (Int, CredentialsFile.Loaded) async -> Void = { _, _ in }
    ) async throws -> some ApplicationProtocol {
        let sandbox = try await StartupCheck.resolve(configuration, logger: logger)
        var runtime = configuration.runtime
        runtime.sandbox = sandbox.setup
        let dataDirectory = URL(fileURLWithPath: configuration.dataDirectory, isDirectory: true).standardizedFileURL
        // 0711: the unprivileged sandbox user may pass through to mount a code folder it is given,
        // but can list nothing; the database and credentials inside are 0600.
        try FileManager.default.createDirectory(
            at: dataDirectory, withIntermediateDirectories: true, attributes: [.posixPermissions: 0o711])
        try FileManager.default.setAttributes([.posixPermissions: 0o711], ofItemAtPath: dataDirectory.path)
        var credentialsFile = try CredentialsFile.load(configuration, dataDirectory: dataDirectory)
        credentialsFile.consoleToken = ConsoleSessions.newToken()
        let loaded = credentialsFile
        let database = try SQLiteStore(path: dataDirectory.appendingPathComponent("nimbus.sqlite").path)
        let store = ChangeTrackingStore(database)
        let code = try FileCodeRepository(root: dataDirectory.appendingPathComponent("code", isDirectory: true))
        let control = ControlPlane(
            store: store, code: code, credentials: loaded.credentials, region: configuration.region,
            certificates: configuration.httpsPort == nil ? nil : PEMCertificateChecker())
        let links = CodeLinkSigner(secret: loaded.credentials.accessKeySecret) { code.zipURL(digest: $0).path }
        runtime.slotsDirectory = dataDirectory.appendingPathComponent("slots", isDirectory: true)
        // One registry per server (not swift-metrics' global bootstrap), so servers in one test process stay apart.
        let registry = PrometheusCollectorRegistry()
        let logs = FunctionLogs(
            root: dataDirectory.appendingPathComponent("logs", isDirectory: true),
            metrics: PrometheusMetricsFactory(registry: registry), logger: logger)
        let supervisor = Supervisor(configuration: runtime, logs: logs, logger: logger)
        let recorder = InvocationRecorder(
            store: database, prices: configuration.prices, metrics: PrometheusMetricsFactory(registry: registry),
            logger: logger)
        let runner = FunctionRunner(
            control: control, supervisor: supervisor, changes: store.changes,
            recorder: configuration.metering ? recorder : nil
        ) {
            code.treeURL(digest: $0.digest)
        }
        let authenticator = RequestAuthenticator(credentials: loaded.credentials)
        await supervisor.setProvisionSource { await runner.provisionTargets() }

        var events = configuration.events
        events.region = configuration.region
        events.accountId = loaded.credentials.accountId
        let dispatcher = AsyncDispatcher(
            store: database, runner: runner, configuration: events,
            metrics: PrometheusMetricsFactory(registry: registry), logger: logger)
        let changes = store.changes
        let timers = TimerScheduler(
            store: database, dispatcher: dispatcher, generation: { changes.current }, logger: logger)
        let functions = FunctionAPI(
            runner: runner, authenticator: authenticator, events: dispatcher, eventStore: database,
            httpsPort: configuration.httpsPort)

        // Middleware applies to the routes added after it, so all of it comes first.
        let router = Router(context: NimbusRequestContext.self)
        router.add(middleware: FCErrorMiddleware())
        router.add(middleware: SignatureMiddleware(authenticator: authenticator) { Date() })
        functions.addMiddleware(to: router)
        let sandboxStatus = sandbox.status
        router.get("health") { _, _ in
            FCResponse.json([
                "status": .string("ok"), "region": .string(configuration.region), "sandbox": sandboxStatus,
            ])
        }
        let management = ManagementAPI(
            control: control, codeLinks: links, functionChanged: { runner.prepare(service: $0, function: $1) }
        ) { target in
            await runner.provisionedCount(target)
        }
        management.register(on: router)
        functions.register(on: router)
        FC3API(management: management, functions: functions).register(on: router)
        let usage = UsageAPI(store: database, prices: configuration.prices) { await recorder.flush() }
        usage.register(on: router)
        ConsoleAPI(
            sessions: ConsoleSessions(credentials: loaded.credentials, token: loaded.consoleToken), usage: usage,
            runner: runner, events: database
        ).register(on: router)
        let instanceGauges = InstanceGauges(factory: PrometheusMetricsFactory(registry: registry))
        MetricsAPI(registry: registry) {
            await dispatcher.refreshGauges()
            instanceGauges.record(await supervisor.instanceCounts())
        }.register(on: router)
        onRoutes(router.routes.map(\.description))

        // Shutdown runs in reverse: timers stop, running events drain, instances stop, the last records flush.
        var services: [any Service] = [recorder, supervisor, dispatcher, timers]
        // The warm lane of each listener; every connection gets its own handler.
        let metrics = PrometheusMetricsFactory(registry: registry)
        let plainLane =
            configuration.warmLane ? functions.warmLane(secure: false, metrics: metrics, logger: logger) : nil
        let secureLane =
            configuration.warmLane ? functions.warmLane(secure: true, metrics: metrics, logger: logger) : nil
        if let httpsPort = configuration.httpsPort {
            services.append(
                try httpsListener(
                    router: router, host: configuration.host, port: httpsPort, store: store,
                    channelHandlers: secureLane?.channelHandlers() ?? [], logger: logger))
        }
        return Application(
            router: router,
            server: .http1(configuration: .init(additionalChannelHandlers: plainLane?.channelHandlers() ?? [])),
            configuration: .init(
                address: .hostname(configuration.host, port: configuration.port), serverName: "nimbus"),
            services: services,
            onServerRunning: { channel in await onRunning(channel.localAddress?.port ?? configuration.port, loaded) },
            logger: logger)
    }
}

extension NimbusServer {
    /// The TLS listener for HTTPS custom domains: the same router, each connection's certificate chosen by SNI.
    static func httpsListener(
        router: Router<NimbusRequestContext>, host: String, port: Int, store: any MetadataStore,
        channelHandlers: @autoclosure @escaping @Sendable () -> [any RemovableChannelHandler], logger: Logger
    ) throws -> some Service {
        let certificates = DomainCertificates { name in
            guard let domain = try? await store.domain(named: name), domain.spec.servesHTTPS else { return nil }
            return domain.spec.certConfig
        }
        return Application(
            router: router,
            server: try .tls(
                .http1(configuration: .init(additionalChannelHandlers: channelHandlers())),
                tlsConfiguration: try certificates.tlsConfiguration()),
            configuration: .init(address: .hostname(host, port: port), serverName: "nimbus"),
            onServerRunning: { channel in
                logger.notice("HTTPS for custom domains", metadata: ["port": "\(channel.localAddress?.port ?? port)"])
            }, logger: logger)
    }

    /// Builds and runs the application until SIGINT or SIGTERM, then shuts down gracefully.
    package static func run(
        _ configuration: NimbusConfiguration, logger: Logger = Logger(label: "nimbus"),
        onRunning: @escaping @Sendable (Int, CredentialsFile.Loaded) async -> Void
    ) async throws {
        let app = try await makeApplication(configuration, logger: logger, onRunning: onRunning)
        try await app.runService()
    }
}
