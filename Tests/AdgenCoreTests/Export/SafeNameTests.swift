import Testing

@testable import AdgenCore

@Suite struct SafeNameTests {
    @Test(
        "Names become one safe path component",
        arguments: [
            ("spring-sale", "spring-sale"),
            ("Spring Sale 2026!", "Spring-Sale-2026"),
            ("../../etc", "etc"),
            ("..", "unnamed"),
            (".", "unnamed"),
            ("", "unnamed"),
            ("...", "unnamed"),
            ("/abs/path", "abs-path"),
            ("a\u{0}b", "a-b"),
            ("a/b\\c", "a-b-c"),
            (".hidden", "hidden"),
            ("-rf", "rf"),
            ("name.", "name"),
            ("CON", "CON_"),
            ("con", "con_"),
            ("nul.txt", "nul_.txt"),
            ("COM1", "COM1_"),
            ("lpt9.tar.gz", "lpt9_.tar.gz"),
            ("COM0", "COM0"),
            ("CONSOLE", "CONSOLE"),
            ("🔥 hot 🔥 deal", "hot-deal"),
            ("Café crème", "Caf-cr-me"),
            ("a   b", "a-b"),
        ])
    func component(name: String, expected: String) {
        #expect(SafeName.component(name) == expected)
    }

    @Test("No slash, backslash or NUL survives, nothing is empty, `.` or `..`, and long names are capped")
    func invariants() {
        let samples = [
            String(repeating: "x", count: 500), String(repeating: "é", count: 300), String(repeating: "🙂", count: 80),
            "\u{0}\u{0}", "/", "\\", "../..", "a/../../b", String(repeating: "../", count: 50), "aux.", "NUL ",
        ]
        for sample in samples {
            let safe = SafeName.component(sample)
            #expect(!safe.isEmpty && safe != "." && safe != "..", "\(sample)")
            #expect(!safe.contains("/") && !safe.contains("\\") && !safe.contains("\u{0}"), "\(sample)")
            #expect(safe.utf8.count <= SafeName.maxBytes, "\(sample): \(safe.utf8.count) bytes")
            #expect(safe.allSatisfy { $0.isASCII && ($0.isLetter || $0.isNumber || "._-".contains($0)) }, "\(safe)")
            #expect(!SafeName.isReservedDeviceName(String(safe.split(separator: ".").first ?? "")), "\(safe)")
        }
    }
}
