// swift-tools-version:6.1
import PackageDescription

let package = Package(
    name: "adgen",
    platforms: [.macOS(.v15)],
    products: [
        .executable(name: "adgen", targets: ["AdgenCLI"]),
        .library(name: "AdgenCore", targets: ["AdgenCore"]),
    ],
    dependencies: [
        .package(url: "https://github.com/jpsim/Yams.git", from: "6.2.2"),
        .package(url: "https://github.com/apple/swift-argument-parser.git", from: "1.8.2"),
        .package(url: "https://github.com/apple/swift-log.git", from: "1.16.2"),
        .package(url: "https://github.com/apple/swift-crypto.git", from: "4.5.2"),
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
            ]
        ),
        .executableTarget(
            name: "AdgenCLI",
            dependencies: [
                "AdgenCore",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
                .product(name: "Logging", package: "swift-log"),
            ]
        ),
        .target(
            name: "AdgenTesting",
            dependencies: ["AdgenCore"]
        ),
        .testTarget(
            name: "AdgenCoreTests",
            dependencies: ["AdgenCore", "AdgenTesting"],
            exclude: ["Fixtures"]
        ),
        .testTarget(
            name: "AdgenImagingTests",
            dependencies: ["AdgenImaging", "AdgenTesting"]
        ),
        .testTarget(
            name: "AdgenCLITests",
            dependencies: ["AdgenCLI", "AdgenCore", "AdgenTesting"]
        ),
    ]
)
