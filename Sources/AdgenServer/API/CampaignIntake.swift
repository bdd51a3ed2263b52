import AdgenCore
import AdgenService
import Crypto
import Foundation
import HTTPTypes
import OpenAPIRuntime

/// A campaign as a request sent it: its bytes, the files sent with it, and the digest of both (what an
/// Idempotency-Key is compared by).
struct CampaignUpload: Sendable {
    var campaign: [UInt8]
    /// The campaign's path in the upload (a multipart `campaign` part's filename may put it in a folder, so its
    /// references can reach files beside that folder); `campaign.yaml` otherwise.
    var campaignPath = "campaign.yaml"
    /// Files by their path relative to the campaign.
    var files: [(path: String, bytes: [UInt8])] = []

    /// SHA-256 over the campaign and each file, in path order.
    var digest: String {
        var hash = SHA256()
        hash.update(data: Array("\(campaignPath)\u{0}\(campaign.count)\u{0}".utf8))
        hash.update(data: campaign)
        for file in files.sorted(by: { $0.path < $1.path }) {
            hash.update(data: Array("\u{0}\(file.path)\u{0}\(file.bytes.count)\u{0}".utf8))
            hash.update(data: file.bytes)
        }
        return Hex.string(hash.finalize())
    }

    /// The upload of a request body: YAML and JSON as the scope collected them (the client's own bytes, so
    /// diagnostics point at its lines), multipart part by part. Limits were applied while collecting.
    static func from(_ body: Components.RequestBodies.Campaign, scope: RequestScope, maxBytes: Int)
        async throws(APIError)
        -> CampaignUpload
    {
        switch body {
        case .yaml, .json:
            guard let bytes = scope.body else { throw .badRequest("the request has no body: send the campaign") }
            return CampaignUpload(campaign: bytes)
        case .multipartForm(let parts):
            var upload = CampaignUpload(campaign: [])
            var sawCampaign = false
            var total = 0
            do {
                for try await part in parts {
                    guard case .other(let raw) = part else { continue }
                    let disposition = ContentDisposition(raw.headerFields[.contentDisposition] ?? "")
                    let bytes = Array(try await Data(collecting: raw.body, upTo: max(0, maxBytes - total)))
                    total += bytes.count
                    switch disposition.name {
                    case "campaign":
                        guard !sawCampaign else { throw APIError.badRequest("send one `campaign` part, not several") }
                        sawCampaign = true
                        upload.campaign = bytes
                        if let name = disposition.filename, name.contains("/") {
                            guard SafePath.isRelativeInside(name), !name.hasSuffix("/") else {
                                throw APIError.badRequest(
                                    "the campaign part's filename \(name.debugDescription) leaves the upload: use a relative path without `..`"
                                )
                            }
                            upload.campaignPath = name
                        }
                    case "file":
                        guard let name = disposition.filename, !name.isEmpty else {
                            throw APIError.badRequest(
                                "a `file` part needs a filename: its path relative to the campaign (e.g. assets/logo.png)"
                            )
                        }
                        guard SafePath.isRelativeInside(name), !name.hasSuffix("/"), name.utf8.count <= 255 else {
                            throw APIError(
                                status: .unprocessableContent, code: "invalid_campaign",
                                message:
                                    "file part \(name.debugDescription) leaves the campaign's folder: name files by relative paths without `..`"
                            )
                        }
                        upload.files.append((name, bytes))
                    default:
                        throw APIError.badRequest(
                            "unexpected part \(disposition.name.debugDescription): send `campaign` and `file` parts")
                    }
                }
            } catch let error as APIError {
                throw error
            } catch {
                // The body's size was checked as it came in; a part over what is left is too large, anything else
                // is a multipart body that does not parse.
                if String(describing: type(of: error)).contains("TooManyBytes") {
                    throw APIError(
                        status: .contentTooLarge, code: "payload_too_large",
                        message: "the upload is over this server's limit of \(maxBytes) bytes")
                }
                throw APIError.badRequest("the multipart body is malformed: \(error)")
            }
            guard sawCampaign else { throw .badRequest("a multipart upload needs a `campaign` part") }
            return upload
        }
    }

    /// Writes the upload into a new folder under `area` and gives the campaign's source there. The caller removes the
    /// folder once the campaign is loaded (the batch keeps a snapshot).
    func materialize(under area: String) throws(APIError) -> (source: CampaignSource, folder: String) {
        let folder = "\(area)/\(UInt64.random(in: .min ... .max))"
        do {
            try FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: true)
            for file in files {
                try AtomicFile.write(file.bytes, to: "\(folder)/\(file.path)")
            }
        } catch {
            throw APIError(status: .serviceUnavailable, code: "unavailable", message: "cannot store the upload")
        }
        let directory = (campaignPath as NSString).deletingLastPathComponent
        return (
            CampaignSource(
                bytes: campaign, file: campaignPath, directory: directory.isEmpty ? folder : "\(folder)/\(directory)"),
            folder
        )
    }
}

/// The `name` and `filename` of a `Content-Disposition: form-data; name="…"; filename="…"` header.
struct ContentDisposition {
    var name = ""
    var filename: String?

    init(_ header: String) {
        for item in header.split(separator: ";").dropFirst() {
            let pair = item.split(separator: "=", maxSplits: 1).map { $0.trimmingCharacters(in: .whitespaces) }
            guard pair.count == 2 else { continue }
            var value = pair[1]
            if value.hasPrefix("\""), value.hasSuffix("\""), value.count >= 2 {
                value = String(value.dropFirst().dropLast()).replacingOccurrences(of: "\\\"", with: "\"")
            }
            switch pair[0].lowercased() {
            case "name": name = value
            case "filename": filename = value
            default: break
            }
        }
    }
}
