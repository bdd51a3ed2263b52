import Foundation
import Yams

/// The paths and methods docs/openapi.yaml names, read once from the served document: what answers 405 (with
/// `Allow`) rather than 404 for a method a path does not take.
struct RouteTable: Sendable {
    struct Route: Sendable {
        var segments: [String]
        var methods: [String]
    }

    let routes: [Route]

    init(document: String) {
        let parsed = (try? Yams.load(yaml: document)) as? [String: Any]
        let paths = parsed?["paths"] as? [String: Any] ?? [:]
        routes = paths.map { path, item in
            let methods = ((item as? [String: Any]) ?? [:]).keys.map { $0.uppercased() }
                .filter { ["GET", "POST", "PUT", "PATCH", "DELETE"].contains($0) }.sorted()
            return Route(segments: path.split(separator: "/").map(String.init), methods: methods)
        }
    }

    /// The methods the document allows on `path`; empty when it names no such path.
    func methods(for path: String) -> [String] {
        let parts = path.split(separator: "/").map(String.init)
        var methods = Set<String>()
        for route in routes where route.segments.count == parts.count {
            let matches = zip(route.segments, parts).allSatisfy { template, part in
                template.contains("{") || template == part
            }
            if matches { methods.formUnion(route.methods) }
        }
        if methods.contains("GET") { methods.insert("HEAD") }
        return methods.sorted()
    }
}
