// swift-tools-version:6.2
import PackageDescription

let swiftSettings: [SwiftSetting] = [
    .enableUpcomingFeature("ExistentialAny"),
    .enableUpcomingFeature("MemberImportVisibility"),
]

let package = Package(
    name: "nimbus",
    platforms: [.macOS(.v15)],
    products: [
        .executable(name: "nimbus", targets: ["nimbus"])
    ],
    dependencies: [
        .package(url: "https://github.com/hummingbird-project/hummingbird.git", from: "2.28.0"),
        .package(url: "https://github.com/swift-server/swift-service-lifecycle.git", from: "2.13.0"),
        .package(url: "https://github.com/apple/swift-log.git", from: "1.16.0"),
        .package(url: "https://github.com/apple/swift-crypto.git", from: "4.0.0"),
        .package(url: "https://github.com/apple/swift-http-types.git", from: "1.8.0"),
        .package(url: "https://github.com/apple/swift-argument-parser.git", from: "1.8.0"),
        .package(url: "https://github.com/apple/swift-configuration.git", from: "1.4.0"),
        .package(url: "https://github.com/groue/GRDB.swift.git", from: "7.10.0"),
        .package(url: "https://github.com/weichsel/ZIPFoundation.git", from: "0.9.20"),
        .package(url: "https://github.com/swift-server/async-http-client.git", from: "1.30.0"),
        .package(url: "https://github.com/swiftlang/swift-subprocess.git", from: "1.0.0"),
        .package(url: "https://github.com/apple/swift-nio.git", from: "2.101.0"),
        .package(url: "https://github.com/apple/swift-metrics.git", from: "2.13.0"),
        .package(url: "https://github.com/swift-server/swift-prometheus.git", from: "2.4.0"),
        .package(url: "https://github.com/apple/swift-nio-ssl.git", from: "2.37.0"),
        .package(url: "https://github.com/apple/swift-nio-extras.git", from: "1.34.1"),
        .package(url: "https://github.com/apple/swift-certificates.git", from: "1.21.0"),
        .package(url: "https://github.com/apple/swift-asn1.git", from: "1.7.0"),
        .package(url: "https://github.com/jpsim/Yams.git", from: "6.0.0"),
        .package(url: "https://github.com/x-sheep/swift-property-based.git", from: "2.0.0"),
    ],
    targets: [
        // Pure domain: types, validation, FC error codes, signatures, pagination. No I/O.
        .target(
            name: "NimbusCore",
            dependencies: [
                .product(name: "Crypto", package: "swift-crypto"),
                // ByteBuffer only: the body type of a call from the edge to the instance (Invocation/).
                .product(name: "NIOCore", package: "swift-nio"),
            ],
            swiftSettings: swiftSettings
        ),
        // SQLite metadata store (GRDB), the embedded default.
        .target(
            name: "NimbusSQLite",
            dependencies: [
                "NimbusCore",
                .product(name: "GRDB", package: "GRDB.swift"),
            ],
            swiftSettings: swiftSettings
        ),
        // Code packages: zip validation, safe extraction, content-addressed blobs on disk.
        .target(
            name: "NimbusPackages",
            dependencies: [
                "NimbusCore",
                .product(name: "ZIPFoundation", package: "ZIPFoundation"),
                .product(name: "Crypto", package: "swift-crypto"),
            ],
            swiftSettings: swiftSettings
        ),
        // The first process of every instance: reaps the program and stops it when Nimbus goes away.
        .executableTarget(name: "nimbus-init", path: "Sources/nimbus-init"),
        // Sockets made inside an instance's network namespace (setns needs C's _GNU_SOURCE).
        .target(name: "CNamespaceSocket", path: "Sources/CNamespaceSocket"),
        // Instances: launching processes, the runtime shims, talking the instance protocol, pools.
        .target(
            name: "NimbusRuntime",
            dependencies: [
                "NimbusCore",
                "CNamespaceSocket",
                .product(name: "Subprocess", package: "swift-subprocess"),
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOPosix", package: "swift-nio"),
                .product(name: "NIOHTTP1", package: "swift-nio"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
                .product(name: "Crypto", package: "swift-crypto"),
                .product(name: "CoreMetrics", package: "swift-metrics"),
            ],
            resources: [.copy("Resources/python"), .copy("Resources/nodejs")],
            swiftSettings: swiftSettings
        ),
        // Event-driven: the durable async queue's dispatcher and the timer triggers' scheduler.
        .target(
            name: "NimbusEvents",
            dependencies: [
                "NimbusCore",
                .product(name: "Logging", package: "swift-log"),
                .product(name: "CoreMetrics", package: "swift-metrics"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
            ],
            swiftSettings: swiftSettings
        ),
        // HTTPS for custom domains: certificate checks (swift-certificates) and per-name TLS (swift-nio-ssl).
        .target(
            name: "NimbusTLS",
            dependencies: [
                "NimbusCore",
                .product(name: "NIOSSL", package: "swift-nio-ssl"),
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "X509", package: "swift-certificates"),
                .product(name: "SwiftASN1", package: "swift-asn1"),
                .product(name: "Crypto", package: "swift-crypto"),
            ],
            swiftSettings: swiftSettings
        ),
        // Metering: invocation records, per-minute rollups, Prometheus series for invocations.
        .target(
            name: "NimbusMetering",
            dependencies: [
                "NimbusCore",
                .product(name: "Logging", package: "swift-log"),
                .product(name: "CoreMetrics", package: "swift-metrics"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
            ],
            swiftSettings: swiftSettings
        ),
        // The application layer between the edge and the adapters: resolution, the run of one call,
        // metering hand-off, the async runner, provisioning.
        .target(
            name: "NimbusInvocation",
            dependencies: [
                "NimbusCore",
                "NimbusRuntime",
                "NimbusEvents",
                "NimbusMetering",
                .product(name: "NIOCore", package: "swift-nio"),
            ],
            swiftSettings: swiftSettings
        ),
        // HTTP edge: the FC 2016-08-15 API on Hummingbird.
        .target(
            name: "NimbusHTTP",
            dependencies: [
                "NimbusCore",
                "NimbusInvocation",
                .product(name: "Hummingbird", package: "hummingbird"),
                .product(name: "HTTPTypes", package: "swift-http-types"),
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOHTTP1", package: "swift-nio"),
                .product(name: "NIOHTTPTypes", package: "swift-nio-extras"),
                .product(name: "CoreMetrics", package: "swift-metrics"),
                .product(name: "Prometheus", package: "swift-prometheus"),
                .product(name: "Crypto", package: "swift-crypto"),
                .product(name: "Logging", package: "swift-log"),
            ],
            swiftSettings: swiftSettings
        ),
        // A signed FC client for the command line.
        .target(
            name: "NimbusClient",
            dependencies: [
                "NimbusCore",
                .product(name: "AsyncHTTPClient", package: "async-http-client"),
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOHTTP1", package: "swift-nio"),
            ],
            swiftSettings: swiftSettings
        ),
        // Manifests (s.yaml, template.yml) and `nimbus deploy`: parse, package, plan, apply through the API.
        .target(
            name: "NimbusDeploy",
            dependencies: [
                "NimbusCore",
                "NimbusClient",
                .product(name: "Yams", package: "Yams"),
                .product(name: "ZIPFoundation", package: "ZIPFoundation"),
                // `nimbus build`: the cache key's hash, and running pip and npm.
                .product(name: "Crypto", package: "swift-crypto"),
                .product(name: "Subprocess", package: "swift-subprocess"),
            ],
            swiftSettings: swiftSettings
        ),
        // Composition root: configuration, credentials, the service group.
        .target(
            name: "NimbusServer",
            dependencies: [
                "NimbusCore",
                "NimbusSQLite",
                "NimbusPackages",
                "NimbusRuntime",
                "NimbusEvents",
                "NimbusMetering",
                "NimbusInvocation",
                "NimbusHTTP",
                "NimbusTLS",
                .product(name: "Hummingbird", package: "hummingbird"),
                .product(name: "HummingbirdTLS", package: "hummingbird"),
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "Prometheus", package: "swift-prometheus"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
                .product(name: "Configuration", package: "swift-configuration"),
                .product(name: "Logging", package: "swift-log"),
            ],
            swiftSettings: swiftSettings
        ),
        // nimbus-init is a dependency so that `swift build --product nimbus` builds it too (beside nimbus,
        // where the server looks for it); an executable target is built, not linked, as a dependency.
        .executableTarget(
            name: "nimbus",
            dependencies: [
                "nimbus-init",
                "NimbusCore",
                "NimbusClient",
                "NimbusDeploy",
                "NimbusServer",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
                .product(name: "Configuration", package: "swift-configuration"),
                .product(name: "Logging", package: "swift-log"),
            ],
            swiftSettings: swiftSettings
        ),
        // Helpers for tests: a signing client and a live server on port 0.
        .target(
            name: "NimbusTesting",
            dependencies: [
                "NimbusCore",
                "NimbusServer",
                .product(name: "Hummingbird", package: "hummingbird"),
                .product(name: "HummingbirdTesting", package: "hummingbird"),
            ],
            swiftSettings: swiftSettings
        ),
        .testTarget(
            name: "NimbusCoreTests",
            dependencies: ["NimbusCore", .product(name: "PropertyBased", package: "swift-property-based")],
            swiftSettings: swiftSettings
        ),
        .testTarget(
            name: "NimbusMeteringTests",
            dependencies: [
                "NimbusCore", "NimbusMetering", "NimbusSQLite", .product(name: "CoreMetrics", package: "swift-metrics"),
            ],
            swiftSettings: swiftSettings
        ),
        .testTarget(
            name: "NimbusRuntimeTests",
            dependencies: [
                "NimbusCore", "NimbusRuntime", .product(name: "NIOPosix", package: "swift-nio"),
                .product(name: "NIOHTTP1", package: "swift-nio"),
            ],
            swiftSettings: swiftSettings
        ),
        .testTarget(
            name: "NimbusEventsTests",
            dependencies: [
                "NimbusCore", "NimbusEvents", "NimbusSQLite", .product(name: "Prometheus", package: "swift-prometheus"),
            ],
            swiftSettings: swiftSettings
        ),
        .testTarget(
            name: "NimbusDeployTests",
            dependencies: ["NimbusCore", "NimbusDeploy", .product(name: "ZIPFoundation", package: "ZIPFoundation")],
            swiftSettings: swiftSettings
        ),
        .testTarget(
            name: "NimbusSQLiteTests",
            dependencies: ["NimbusCore", "NimbusSQLite"],
            swiftSettings: swiftSettings
        ),
        .testTarget(
            name: "NimbusPackagesTests",
            dependencies: [
                "NimbusCore", "NimbusPackages", .product(name: "ZIPFoundation", package: "ZIPFoundation"),
                .product(name: "PropertyBased", package: "swift-property-based"),
            ],
            swiftSettings: swiftSettings
        ),
        .testTarget(
            name: "NimbusHTTPTests",
            dependencies: [
                "NimbusCore", "NimbusPackages", "NimbusRuntime", "NimbusInvocation", "NimbusSQLite", "NimbusTesting",
                "NimbusServer",
                .product(name: "PropertyBased", package: "swift-property-based"),
                .product(name: "NIOEmbedded", package: "swift-nio"),
                .product(name: "NIOHTTPTypes", package: "swift-nio-extras"),
            ],
            swiftSettings: swiftSettings
        ),
    ]
)
