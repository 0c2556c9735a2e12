// swift-tools-version:6.0
import PackageDescription

// The layers, each depending only on those to its left:
// SCIM ← RosterCore ← RosterStore ← RosterApp ← {RosterServer, roster}
let package = Package(
    name: "roster",
    platforms: [.macOS(.v15)],
    products: [
        .executable(name: "roster", targets: ["roster"]),
        .library(name: "SCIM", targets: ["SCIM"]),
    ],
    dependencies: [
        .package(url: "https://github.com/hummingbird-project/hummingbird.git", from: "2.28.1"),
        .package(url: "https://github.com/hummingbird-project/hummingbird-auth.git", from: "2.5.0"),
        .package(url: "https://github.com/swift-server/async-http-client.git", from: "1.37.0"),
        .package(url: "https://github.com/swift-server/swift-service-lifecycle.git", from: "2.13.0"),
        .package(url: "https://github.com/vapor/sql-kit.git", from: "3.36.0"),
        .package(url: "https://github.com/vapor/sqlite-kit.git", from: "4.5.2"),
        .package(url: "https://github.com/vapor/postgres-kit.git", from: "2.17.0"),
        .package(url: "https://github.com/apple/swift-argument-parser.git", from: "1.8.2"),
        .package(url: "https://github.com/apple/swift-configuration.git", from: "1.4.0"),
        .package(url: "https://github.com/apple/swift-log.git", from: "1.16.2"),
        .package(url: "https://github.com/apple/swift-metrics.git", from: "2.13.0"),
        .package(url: "https://github.com/swift-server/swift-prometheus.git", from: "2.4.1"),
        .package(url: "https://github.com/apple/swift-crypto.git", "3.12.3"..<"5.0.0"),
        .package(url: "https://github.com/apple/swift-nio.git", from: "2.101.2"),
        .package(url: "https://github.com/apple/swift-nio-ssl.git", from: "2.37.6"),
        .package(url: "https://github.com/hummingbird-project/swift-mustache.git", from: "2.1.1"),
    ],
    targets: [
        // SCIM 2.0 models and client. No web framework, no storage: could be published alone.
        .target(
            name: "SCIM",
            dependencies: [
                .product(name: "AsyncHTTPClient", package: "async-http-client"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "NIOPosix", package: "swift-nio"),
            ]),
        // The domain: directory, applications, import, provisioning, insights, mail composition.
        // No HTTP framework, no SQL, no sockets, no environment.
        .target(
            name: "RosterCore",
            dependencies: [
                "SCIM",
                .product(name: "Crypto", package: "swift-crypto"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "Metrics", package: "swift-metrics"),
            ],
            // The connector catalog: one JSON file per vendor (Catalog/ConnectorCatalog.swift).
            resources: [.copy("Catalog/Presets")]),
        // Persistence: migrations, repositories, the job queue, on SQLKit.
        .target(
            name: "RosterStore",
            dependencies: [
                "RosterCore",
                .product(name: "SQLKit", package: "sql-kit"),
                .product(name: "SQLiteKit", package: "sqlite-kit"),
                .product(name: "PostgresKit", package: "postgres-kit"),
            ]),
        // Composition: configuration, the wiring of storage and services, workers and mail
        // delivery as services, SMTP, logging and metrics. Every front end starts here.
        .target(
            name: "RosterApp",
            dependencies: [
                "RosterCore", "RosterStore", "SCIM",
                .product(name: "Configuration", package: "swift-configuration"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
                .product(name: "Metrics", package: "swift-metrics"),
                .product(name: "Prometheus", package: "swift-prometheus"),
                .product(name: "HummingbirdBcrypt", package: "hummingbird-auth"),
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOPosix", package: "swift-nio"),
                .product(name: "NIOHTTP1", package: "swift-nio"),
                .product(name: "NIOSSL", package: "swift-nio-ssl"),
            ]),
        // HTTP: REST API, Admin Portal pages, metrics endpoint.
        .target(
            name: "RosterServer",
            dependencies: [
                "RosterApp", "RosterCore",
                .product(name: "Hummingbird", package: "hummingbird"),
                .product(name: "Mustache", package: "swift-mustache"),
            ],
            resources: [
                .copy("openapi.yaml"), .copy("scim-openapi.yaml"), .copy("Portal/Templates"), .copy("Portal/Static"),
            ]),
        .executableTarget(
            name: "roster",
            dependencies: [
                "RosterApp", "RosterServer",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
                .product(name: "Hummingbird", package: "hummingbird"),
            ]),
        // What the tests share: fresh real databases (SQLite, and PostgreSQL when configured).
        .target(
            name: "RosterTestSupport",
            dependencies: [
                "RosterCore", "RosterStore",
                .product(name: "Crypto", package: "swift-crypto"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "PostgresKit", package: "postgres-kit"),
                .product(name: "SQLKit", package: "sql-kit"),
            ],
            path: "Tests/Support"),
        .testTarget(name: "SCIMTests", dependencies: ["SCIM", "RosterTestSupport"]),
        .testTarget(name: "RosterCoreTests", dependencies: ["RosterCore", "RosterStore", "RosterTestSupport", "SCIM"]),
        .testTarget(
            name: "RosterStoreTests",
            dependencies: [
                "RosterStore", "RosterTestSupport", .product(name: "PostgresKit", package: "postgres-kit"),
            ]),
        .testTarget(
            name: "RosterAppTests",
            dependencies: [
                "RosterApp", "SCIM",
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOPosix", package: "swift-nio"),
                .product(name: "NIOEmbedded", package: "swift-nio"),
                .product(name: "NIOSSL", package: "swift-nio-ssl"),
            ]),
        .testTarget(
            name: "RosterServerTests",
            dependencies: [
                "RosterServer", "RosterApp",
                .product(name: "HummingbirdTesting", package: "hummingbird"),
            ]),
    ],
    swiftLanguageModes: [.v6]
)
