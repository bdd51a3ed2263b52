/// A webhook signing secret could not be used: which rule it broke, where it came from, and how to make a good
/// one. It never contains the secret's value.
public struct WebhookSecretError: Error, CustomStringConvertible, Equatable, Sendable {
    enum Code: Equatable, Sendable {
        case empty, missingPrefix, notBase64, wrongLength(Int), missingVariable
    }

    let code: Code
    /// The environment variable the secret came from, if any.
    public private(set) var variable: String?
    /// Which secret of a list (1-based), when the list held several.
    public private(set) var index: Int?
    /// How many secrets the list held.
    public private(set) var count = 1

    init(_ code: Code) { self.code = code }

    func at(position index: Int, of count: Int) -> Self {
        var copy = self
        if count > 1 {
            copy.index = index
            copy.count = count
        }
        return copy
    }

    func naming(variable name: String) -> Self {
        var copy = self
        copy.variable = name
        return copy
    }

    /// How to make a secret, for every message.
    static let howToMake = #"make one with `echo "whsec_$(openssl rand -base64 32)"`"#

    /// Which rule the secret broke, where it came from, and how to make one; never the value.
    public var description: String {
        var subject = "webhook secret"
        if let index { subject += " \(index) of \(count)" }
        if let variable { subject += " in \(variable)" }
        let problem: String
        switch code {
        case .missingVariable:
            return "\(variable ?? "the webhook secret variable") is not set or empty: set it to one or more "
                + "whsec_ secrets separated by spaces or commas; \(Self.howToMake)"
        case .empty:
            problem = "is empty"
        case .missingPrefix:
            problem = "does not start with whsec_"
        case .notBase64:
            problem = "is not valid base64 after whsec_ (standard alphabet A-Z a-z 0-9 + /, optional = padding)"
        case .wrongLength(let bytes):
            problem = "decodes to \(bytes) bytes; a key must be 24 to 64 bytes"
        }
        return "\(subject) \(problem): \(Self.howToMake)"
    }
}
