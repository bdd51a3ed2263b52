// swift-tools-version:6.1
// Benchmarks for adgen: a package of its own, so `swift build` in the main package never builds them and
// the benchmarks always build in release (`swift build -c release` here, or ./run-expansion.sh).
import PackageDescription

let package = Package(
    name: "adgen-benchmarks",
    platforms: [.macOS(.v15)],
    dependencies: [
        .package(name: "adgen", path: ".."),
        .package(url: "https://github.com/swift-server/async-http-client.git", from: "1.37.0"),
        .package(url: "https://github.com/apple/swift-crypto.git", from: "4.5.2"),
    ],
    targets: [
        .executableTarget(
            name: "codec-floor",
            dependencies: [
                .product(name: "AdgenCore", package: "adgen"),
                .product(name: "AdgenImaging", package: "adgen"),
            ]
        ),
        .executableTarget(
            name: "dispatch-bench",
            dependencies: [
                .product(name: "AdgenCore", package: "adgen"),
                .product(name: "AsyncHTTPClient", package: "async-http-client"),
            ]
        ),
        .executableTarget(
            name: "expansion-bench",
            dependencies: [.product(name: "AdgenCore", package: "adgen")]
        ),
        .executableTarget(
            name: "export-bench",
            dependencies: [
                .product(name: "AdgenCore", package: "adgen"),
                .product(name: "Crypto", package: "swift-crypto"),
            ]
        ),
        .executableTarget(
            name: "imaging-bench",
            dependencies: [
                .product(name: "AdgenCore", package: "adgen"),
                .product(name: "AdgenImaging", package: "adgen"),
            ]
        ),
        .executableTarget(
            name: "scoring-bench",
            dependencies: [
                .product(name: "AdgenCore", package: "adgen"),
                .product(name: "AdgenImaging", package: "adgen"),
            ]
        ),
    ]
)
