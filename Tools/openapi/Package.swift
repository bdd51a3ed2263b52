// swift-tools-version:6.1
// The OpenAPI generator, built on its own: `scripts/generate-openapi.sh` runs it once over docs/openapi.yaml and
// the output is committed, so the main build (and CI) never builds the generator.
import PackageDescription

let package = Package(
    name: "adgen-openapi-tool",
    dependencies: [
        .package(url: "https://github.com/apple/swift-openapi-generator.git", exact: "1.14.3")
    ]
)
