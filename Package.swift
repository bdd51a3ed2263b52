// swift-tools-version:6.1
import PackageDescription

let package = Package(
    name: "adgen",
    platforms: [.macOS(.v15)],
    products: [
        .executable(name: "adgen", targets: ["AdgenCLI"]),
        .library(name: "AdgenCore", targets: ["AdgenCore"]),
        .library(name: "AdgenImaging", targets: ["AdgenImaging"]),
        .library(name: "AdgenSQLite", targets: ["AdgenSQLite"]),
        .library(name: "AdgenService", targets: ["AdgenService"]),
    ],
    dependencies: [
        .package(url: "https://github.com/jpsim/Yams.git", from: "6.2.2"),
        .package(url: "https://github.com/apple/swift-argument-parser.git", from: "1.8.2"),
        .package(url: "https://github.com/apple/swift-log.git", from: "1.16.2"),
        .package(url: "https://github.com/apple/swift-crypto.git", from: "4.5.2"),
        .package(url: "https://github.com/groue/GRDB.swift.git", from: "7.10.0"),
        .package(url: "https://github.com/swift-server/async-http-client.git", from: "1.37.0"),
        .package(url: "https://github.com/apple/swift-nio.git", from: "2.101.3"),
        .package(url: "https://github.com/weichsel/ZIPFoundation.git", from: "0.9.20"),
        .package(url: "https://github.com/hummingbird-project/hummingbird.git", from: "2.28.1"),
        .package(url: "https://github.com/hummingbird-project/swift-openapi-hummingbird.git", from: "2.1.0"),
        .package(url: "https://github.com/hummingbird-project/swift-mustache.git", from: "2.1.1"),
        .package(url: "https://github.com/apple/swift-openapi-runtime.git", from: "1.13.4"),
        .package(url: "https://github.com/apple/swift-http-types.git", from: "1.8.0"),
        .package(url: "https://github.com/swift-server/swift-service-lifecycle.git", from: "2.13.0"),
        .package(url: "https://github.com/apple/swift-metrics.git", from: "2.13.0"),
        .package(url: "https://github.com/swift-server/swift-prometheus.git", from: "2.4.1"),
    ],
    targets: [
        .systemLibrary(
            name: "CVips",
            pkgConfig: "vips",
            providers: [.apt(["libvips-dev"])]
        ),
        .target(
            name: "AdgenImaging",
            dependencies: ["CVips"]
        ),
        .target(
            name: "AdgenCore",
            dependencies: [
                "AdgenImaging",
                .product(name: "Yams", package: "Yams"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "Crypto", package: "swift-crypto"),
                .product(name: "AsyncHTTPClient", package: "async-http-client"),
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOPosix", package: "swift-nio"),
                .product(name: "NIOHTTP1", package: "swift-nio"),
                .product(name: "ZIPFoundation", package: "ZIPFoundation"),
                .product(name: "Metrics", package: "swift-metrics"),
            ]
        ),
        // The embedded job store: SQLite through GRDB. Only this target (and its tests) imports GRDB.
        .target(
            name: "AdgenSQLite",
            dependencies: [
                "AdgenCore",
                .product(name: "GRDB", package: "GRDB.swift"),
            ]
        ),
        // The service layer every front end calls: submit, run, resume, cancel, deliver, export, status.
        .target(
            name: "AdgenService",
            dependencies: [
                "AdgenCore",
                .product(name: "Logging", package: "swift-log"),
                .product(name: "AsyncHTTPClient", package: "async-http-client"),
            ]
        ),
        // `adgen serve`: the HTTP API (its interface generated from docs/openapi.yaml by scripts/generate-openapi.sh),
        // in-process workers and the delivery loop. Only this target imports Hummingbird.
        .target(
            name: "AdgenServer",
            dependencies: [
                "AdgenService",
                "AdgenCore",
                .product(name: "Hummingbird", package: "hummingbird"),
                .product(name: "OpenAPIRuntime", package: "swift-openapi-runtime"),
                .product(name: "OpenAPIHummingbird", package: "swift-openapi-hummingbird"),
                .product(name: "HTTPTypes", package: "swift-http-types"),
                .product(name: "Mustache", package: "swift-mustache"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
                .product(name: "Metrics", package: "swift-metrics"),
                .product(name: "Prometheus", package: "swift-prometheus"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "Crypto", package: "swift-crypto"),
                .product(name: "Yams", package: "Yams"),
                .product(name: "NIOPosix", package: "swift-nio"),
                .product(name: "NIOCore", package: "swift-nio"),
            ],
            exclude: ["openapi-generator-config.yaml"],
            resources: [.copy("Templates")]
        ),
        .executableTarget(
            name: "AdgenCLI",
            dependencies: [
                "AdgenServer",
                "AdgenService",
                "AdgenSQLite",
                "AdgenCore",
                "AdgenImaging",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "AsyncHTTPClient", package: "async-http-client"),
            ]
        ),
        .target(
            name: "AdgenTesting",
            dependencies: [
                "AdgenCore",
                "AdgenImaging",
                "AdgenSQLite",
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOPosix", package: "swift-nio"),
                .product(name: "NIOHTTP1", package: "swift-nio"),
            ]
        ),
        .testTarget(
            name: "AdgenCoreTests",
            dependencies: [
                "AdgenCore", "AdgenImaging", "AdgenSQLite", "AdgenTesting",
                .product(name: "AsyncHTTPClient", package: "async-http-client"),
                .product(name: "Crypto", package: "swift-crypto"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "ZIPFoundation", package: "ZIPFoundation"),
            ],
            exclude: ["Fixtures"]
        ),
        .testTarget(
            name: "AdgenImagingTests",
            dependencies: ["AdgenImaging", "AdgenTesting"]
        ),
        // The store contract suites, run against every store implementation; GRDB for writing a store of an older
        // schema, to test its migration.
        .testTarget(
            name: "AdgenStoreTests",
            dependencies: [
                "AdgenCore", "AdgenSQLite", "AdgenTesting", .product(name: "Logging", package: "swift-log"),
                .product(name: "GRDB", package: "GRDB.swift"),
            ]
        ),
        .testTarget(
            name: "AdgenServiceTests",
            dependencies: ["AdgenService", "AdgenCore", "AdgenSQLite", "AdgenTesting"]
        ),
        .testTarget(
            name: "AdgenServerTests",
            dependencies: [
                "AdgenServer", "AdgenService", "AdgenCore", "AdgenSQLite", "AdgenTesting",
                .product(name: "HummingbirdTesting", package: "hummingbird"),
                .product(name: "AsyncHTTPClient", package: "async-http-client"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "Yams", package: "Yams"),
            ]
        ),
        .testTarget(
            name: "AdgenCLITests",
            dependencies: [
                "AdgenCLI", "AdgenCore", "AdgenImaging", "AdgenSQLite", "AdgenTesting",
                .product(name: "Crypto", package: "swift-crypto"),
                .product(name: "AsyncHTTPClient", package: "async-http-client"),
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOHTTP1", package: "swift-nio"),
            ]
        ),
    ]
)
