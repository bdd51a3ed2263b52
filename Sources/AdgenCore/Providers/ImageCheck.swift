import AdgenImaging
import Foundation

/// Checks that what a provider sent is an image adgen can use: it decodes, and its size is the one asked for
/// within the provider's rounding. Anything else is a `badResponse`, so a broken answer never reaches the pipeline.
public struct ImageCheck: Sendable, Hashable {
    /// How far the returned size may be from the requested one.
    public enum SizeRule: Sendable, Hashable {
        /// Exactly the requested size (OpenAI's fixed sizes).
        case exact
        /// Each side within `pixels` of the requested one (latent sizes rounded to multiples of 8, 16, 64).
        case within(pixels: Int)
        /// The aspect ratio within `tolerance` (relative) and each side at least half the requested one: models
        /// that take an aspect ratio and choose their own pixel count (FLUX `aspect_ratio` on Replicate).
        case aspect(tolerance: Double)
    }

    /// The size rule.
    public var size: SizeRule
    /// The fewest pixels on a side adgen accepts at all.
    public var minimumSide: Int = 64

    /// Creates a check.
    public init(size: SizeRule, minimumSide: Int = 64) {
        self.size = size
        self.minimumSide = minimumSide
    }

    /// The decoded size of `bytes`, after checking them against `width`×`height`; throws `badResponse` naming what
    /// came back.
    @discardableResult
    public func verify(_ bytes: [UInt8], width: Int, height: Int, provider: String, requestID: String? = nil)
        throws(ProviderError) -> (width: Int, height: Int)
    {
        guard ImageFormat.detect(bytes) != nil || Self.looksLikeOtherImage(bytes) else {
            throw .badResponse(
                provider: provider,
                message: "the answer is not an image (\(bytes.count) bytes starting \(Self.hexPrefix(bytes)))",
                requestID: requestID)
        }
        let image: Image
        do {
            image = try Image.decode(bytes)
        } catch {
            throw .badResponse(
                provider: provider, message: "the image does not decode: \(error.message)", requestID: requestID)
        }
        let (gotWidth, gotHeight) = (image.width, image.height)
        guard accepts(width: gotWidth, height: gotHeight, askedWidth: width, askedHeight: height) else {
            throw .badResponse(
                provider: provider,
                message: "asked for \(width)×\(height), got a \(gotWidth)×\(gotHeight) image (\(ruleText))",
                requestID: requestID)
        }
        return (gotWidth, gotHeight)
    }

    /// Whether a `width`×`height` answer to an `askedWidth`×`askedHeight` request passes.
    public func accepts(width: Int, height: Int, askedWidth: Int, askedHeight: Int) -> Bool {
        guard width >= minimumSide, height >= minimumSide else { return false }
        switch size {
        case .exact:
            return width == askedWidth && height == askedHeight
        case .within(let pixels):
            return abs(width - askedWidth) <= pixels && abs(height - askedHeight) <= pixels
        case .aspect(let tolerance):
            let asked = Double(askedWidth) / Double(askedHeight)
            let got = Double(width) / Double(height)
            return abs(got / asked - 1) <= tolerance && width * 2 >= askedWidth && height * 2 >= askedHeight
        }
    }

    var ruleText: String {
        switch size {
        case .exact: "the size must match exactly"
        case .within(let pixels): "each side may differ by at most \(pixels) px"
        case .aspect(let tolerance): "the aspect ratio may differ by at most \(Int(tolerance * 100))%"
        }
    }

    static func looksLikeOtherImage(_ bytes: [UInt8]) -> Bool {
        bytes.starts(with: Array("GIF8".utf8)) || bytes.starts(with: [0x49, 0x49, 0x2A, 0])
            || bytes.starts(with: [0x4D, 0x4D, 0, 0x2A])
    }

    static func hexPrefix(_ bytes: [UInt8]) -> String {
        bytes.isEmpty ? "(empty)" : bytes.prefix(8).map { String(format: "%02x", $0) }.joined(separator: " ")
    }

    /// The bytes of a base64 string or a `data:` URI; nil when it is neither.
    static func base64Bytes(_ text: String) -> [UInt8]? {
        var payload = Substring(text)
        if payload.hasPrefix("data:") {
            guard let comma = payload.firstIndex(of: ",") else { return nil }
            guard payload[..<comma].hasSuffix(";base64") else { return nil }
            payload = payload[payload.index(after: comma)...]
        }
        let cleaned = payload.filter { !$0.isWhitespace }
        guard !cleaned.isEmpty, let data = Data(base64Encoded: String(cleaned), options: .ignoreUnknownCharacters)
        else { return nil }
        return Array(data)
    }
}

extension ProviderHTTP {
    /// The image at `location`: a `data:` URI, or an http(s) URL fetched without the provider's credential unless
    /// it is on `trustedOrigin`. The answer must be an image (`image/*` or `application/octet-stream`).
    func fetchImage(
        _ location: String, authorization: (name: String, value: String)? = nil, trustedOrigin: String? = nil,
        requestID: String? = nil
    ) async throws(ProviderError) -> [UInt8] {
        if location.hasPrefix("data:") {
            guard let bytes = ImageCheck.base64Bytes(location) else {
                throw .badResponse(
                    provider: provider, message: "the data: URI of the image is not base64", requestID: requestID)
            }
            return bytes
        }
        guard location.hasPrefix("http://") || location.hasPrefix("https://") else {
            throw .badResponse(
                provider: provider, message: "the image location is not a URL (\(location.prefix(40))…)",
                requestID: requestID)
        }
        var headers = [(String, String)]()
        if let authorization, let trustedOrigin, Self.origin(location) == Self.origin(trustedOrigin) {
            headers.append((authorization.name, authorization.value))
        }
        let answer = try await send(.GET, location, headers: headers)
        guard answer.isSuccess else {
            var error = failure(answer, requestID: requestID)
            error.message = "downloading the image from \(Self.redacted(location)): \(error.message)"
            throw error
        }
        let type = answer.contentType
        guard type.hasPrefix("image/") || type == "application/octet-stream" || type.isEmpty else {
            throw .badResponse(
                provider: provider,
                message: "the image download from \(Self.redacted(location)) answered \(type), not an image",
                status: answer.status, requestID: requestID)
        }
        return answer.body
    }

    /// `scheme://host:port` of a URL.
    static func origin(_ url: String) -> String? {
        guard let components = URLComponents(string: url), let scheme = components.scheme, let host = components.host
        else { return nil }
        let port = components.port ?? (scheme == "https" ? 443 : 80)
        return "\(scheme.lowercased())://\(host.lowercased()):\(port)"
    }

    /// Reads a JSON answer: a success with a JSON body, else the mapped failure or a `badResponse`.
    func json(_ answer: ProviderAnswer, requestID: String? = nil) throws(ProviderError) -> JSONValue {
        guard answer.isSuccess else { throw failure(answer, requestID: requestID) }
        guard answer.contentType.hasSuffix("json") || answer.contentType.isEmpty else {
            throw .badResponse(
                provider: provider, message: "expected JSON, got \(answer.contentType) (\(answer.body.count) bytes)",
                status: answer.status, requestID: requestID)
        }
        guard let json = JSONValue.parse(answer.body) else {
            throw .badResponse(
                provider: provider,
                message:
                    "the answer is not valid JSON: \(ProviderHTTP.oneLine(String(decoding: answer.body.prefix(80), as: UTF8.self)))",
                status: answer.status, requestID: requestID)
        }
        return json
    }
}
