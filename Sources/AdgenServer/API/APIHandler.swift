import AdgenCore
import AdgenService
import Foundation
import Logging
import OpenAPIRuntime

/// The JSON operations of docs/openapi.yaml (their interface generated from it): each parses its input, calls the
/// service for the request's tenant and renders the result. Nothing here decides what a batch is.
struct APIHandler: APIProtocol {
    let server: ServerState

    var service: BatchService { server.service }
    var represent: Representations { server.representations }

    // MARK: Batches

    func createBatch(_ input: Operations.CreateBatch.Input) async throws -> Operations.CreateBatch.Output {
        let scope = try RequestScope.required
        let upload = try await CampaignUpload.from(
            input.body, scope: scope, maxBytes: server.configuration.limits.multipartBytes)
        if let key = input.headers.idempotencyKey, key.isEmpty || key.utf8.count > 200 {
            throw APIError.badRequest("Idempotency-Key must be 1 to 200 characters")
        }
        let context = try load(upload, tenant: scope.tenant)
        if input.query.dryRun == true {
            return .accepted(.init(body: .json(represent.dryRun(context, tenant: scope.tenant))))
        }
        try await server.admit(context, tenant: scope.tenant)
        let submission = try await service.submit(
            context, idempotencyKey: input.headers.idempotencyKey, tenant: scope.tenant, requestDigest: upload.digest,
            now: Date())
        let body = represent.batch(submission.batch, tenant: scope.tenant)
        if submission.created {
            server.workers.wake()
            return .created(.init(body: .json(body)))
        }
        return .ok(.init(body: .json(body)))
    }

    func listBatches(_ input: Operations.ListBatches.Input) async throws -> Operations.ListBatches.Output {
        let scope = try RequestScope.required
        let limit = try Self.limit(input.query.limit)
        let states = try input.query.status.map { status throws(APIError) -> Set<Batch.State> in
            guard let state = Batch.State(rawValue: status.rawValue) else { throw .badRequest("unknown status") }
            return [state]
        }
        let page = try await service.batches(
            BatchQuery(
                tenant: .tenant(scope.tenant), states: states,
                after: try Cursor.decode(input.query.cursor, as: BatchCursor.self), limit: limit))
        return .ok(
            .init(
                body: .json(
                    .init(
                        object: .list,
                        data: page.batches.map { represent.batch(server.presented($0), tenant: scope.tenant) },
                        nextCursor: page.next.map(Cursor.encode)))))
    }

    func getBatch(_ input: Operations.GetBatch.Input) async throws -> Operations.GetBatch.Output {
        let scope = try RequestScope.required
        let batch = try await server.batch(try Self.batchID(input.path.batchId), tenant: scope.tenant)
        return .ok(.init(body: .json(represent.batch(batch, tenant: scope.tenant))))
    }

    func cancelBatch(_ input: Operations.CancelBatch.Input) async throws -> Operations.CancelBatch.Output {
        let scope = try RequestScope.required
        let id = try Self.batchID(input.path.batchId)
        _ = try await service.batch(id, tenant: scope.tenant)
        let (_, after) = try await service.cancel(id, now: Date())
        return .ok(.init(body: .json(represent.batch(server.presented(after), tenant: scope.tenant))))
    }

    // MARK: Creatives

    func listCreatives(_ input: Operations.ListCreatives.Input) async throws -> Operations.ListCreatives.Output {
        let scope = try RequestScope.required
        let id = try Self.batchID(input.path.batchId)
        var filter = BatchService.CreativeFilter()
        try Self.check(input.query.size, "size", maxLength: 64)
        try Self.check(input.query.tag, "tag", maxLength: 200)
        filter.sizeID = input.query.size
        if let status = input.query.status {
            guard let state = CreativeRecord.State(rawValue: status.rawValue) else {
                throw APIError.badRequest("status")
            }
            filter.states = [state]
        }
        filter.tag = input.query.tag
        if let score = input.query.minScore {
            guard score.isFinite, (0...1).contains(score) else {
                throw APIError.badRequest("min_score is a number from 0 to 1")
            }
            filter.minScore = score
        }
        for (name, value) in scope.query where name.hasPrefix("axis.") {
            let axis = String(name.dropFirst(5))
            guard !axis.isEmpty else { throw APIError.badRequest("axis filters are axis.NAME=VALUE") }
            filter.axes[axis] = value
        }
        let page = try await service.creatives(
            of: try await server.batch(id, tenant: scope.tenant), filter: filter,
            after: try Cursor.decode(input.query.cursor, as: String.self), limit: try Self.limit(input.query.limit))
        return .ok(
            .init(
                body: .json(
                    .init(
                        object: .list, data: page.creatives.map { represent.creative($0) },
                        nextCursor: page.next.map(Cursor.encode)))))
    }

    func getCreative(_ input: Operations.GetCreative.Input) async throws -> Operations.GetCreative.Output {
        let scope = try RequestScope.required
        guard let handle = CreativeHandle(input.path.creativeId),
            let creative = try await service.creative(
                handle.creative, of: try await server.batch(handle.batch, tenant: scope.tenant))
        else { throw APIError.notFound("creative") }
        return .ok(.init(body: .json(represent.creative(creative, cost: try await service.cost(of: creative)))))
    }

    // MARK: Deliveries

    func listDeliveries(_ input: Operations.ListDeliveries.Input) async throws -> Operations.ListDeliveries.Output {
        let scope = try RequestScope.required
        let id = try Self.batchID(input.path.batchId)
        _ = try await service.batch(id, tenant: scope.tenant)
        let log = try await service.deliveryLog(id)
        let report = try await service.deliveryReport(id)
        let urls = Dictionary(log.endpoints.map { ($0.id, WebhookURLPolicy.redacted($0.url)) }) { first, _ in first }
        return .ok(
            .init(
                body: .json(
                    .init(
                        object: .list, endpoints: report.endpoints.map(Self.endpoint),
                        data: log.messages.map { message in
                            .init(
                                id: message.id, _type: message.type.rawValue, endpoint: urls[message.endpointID],
                                status: .init(rawValue: message.state.rawValue) ?? .pending,
                                attempts: message.attempts, lastError: message.lastError,
                                createdAt: Int(message.createdAt.timeIntervalSince1970),
                                deliveredAt: message.deliveredAt.map { Int($0.timeIntervalSince1970) },
                                nextAttemptAt: message.state == .pending
                                    ? Int(message.nextAttemptAt.timeIntervalSince1970) : nil)
                        }))))
    }

    func retryDeliveries(_ input: Operations.RetryDeliveries.Input) async throws -> Operations.RetryDeliveries.Output {
        let scope = try RequestScope.required
        let id = try Self.batchID(input.path.batchId)
        _ = try await service.batch(id, tenant: scope.tenant)
        let requeued = try await service.retryDeliveries(id)
        server.deliveries.wake()
        let report = try await service.deliveryReport(id)
        return .accepted(.init(body: .json(.init(requeued: requeued, endpoints: report.endpoints.map(Self.endpoint)))))
    }

    static func endpoint(_ endpoint: DeliveryReport.Endpoint) -> Components.Schemas.DeliveryEndpoint {
        .init(
            url: endpoint.url, delivered: endpoint.delivered, pending: endpoint.pending, failed: endpoint.failed,
            disabledReason: endpoint.disabledReason)
    }

    // MARK: Campaigns

    func expandCampaign(_ input: Operations.ExpandCampaign.Input) async throws -> Operations.ExpandCampaign.Output {
        let scope = try RequestScope.required
        let upload = try await CampaignUpload.from(
            input.body, scope: scope, maxBytes: server.configuration.limits.multipartBytes)
        let context = try load(upload, tenant: scope.tenant)
        let limit = UInt64(try Self.limit(input.query.limit))
        let offset = try Cursor.decode(input.query.cursor, as: UInt64.self) ?? 0
        let expander = context.expander
        let total = expander.count
        var variants = [Components.Schemas.Variant]()
        if offset < total {
            for index in expander.indices.dropFirst(Int(offset)).prefix(Int(limit)) {
                let variant = expander.space.variant(at: index)
                variants.append(
                    .init(
                        index: Int(clamping: variant.index), prompt: variant.prompt,
                        negativePrompt: variant.negativePrompt, seed: Int(clamping: variant.seed),
                        axes: .init(
                            additionalProperties: Dictionary(
                                variant.axes.map { ($0.name, $0.value) }, uniquingKeysWith: { first, _ in first }))))
            }
        }
        let next = offset + limit < total ? Cursor.encode(offset + limit) : nil
        return .ok(
            .init(body: .json(.init(object: .list, data: variants, total: Int(clamping: total), nextCursor: next))))
    }

    func validateCampaign(_ input: Operations.ValidateCampaign.Input) async throws
        -> Operations.ValidateCampaign.Output
    {
        let scope = try RequestScope.required
        let upload = try await CampaignUpload.from(
            input.body, scope: scope, maxBytes: server.configuration.limits.multipartBytes)
        let context = try load(upload, tenant: scope.tenant)
        return .ok(
            .init(
                body: .json(
                    .init(
                        valid: true, campaign: context.campaign.name, variants: Int(clamping: context.expander.count),
                        sizes: context.campaign.sizes.map(\.id)))))
    }

    func listSizes(_ input: Operations.ListSizes.Input) async throws -> Operations.ListSizes.Output {
        _ = try RequestScope.required
        return .ok(
            .init(
                body: .json(
                    .init(
                        object: .list,
                        data: AdSize.presets.map {
                            .init(
                                id: $0.id, width: $0.width, height: $0.height, platform: $0.platform,
                                maxBytes: $0.maxBytes)
                        }))))
    }

    // MARK: Helpers

    /// Loads an upload for `tenant` from a folder of its own, removed once loaded: the batch keeps a snapshot.
    func load(_ upload: CampaignUpload, tenant: String) throws(APIError) -> BatchContext {
        let area = "\(service.configuration.dataRoot.path)/\(DataRoot.tenantFolder(tenant))/uploads"
        let (source, folder) = try upload.materialize(under: area)
        defer { try? FileManager.default.removeItem(atPath: folder) }
        do {
            let context = try service.load(source, tenant: tenant, files: folder)
            guard context.plan.creatives <= server.configuration.limits.creativesPerBatch else {
                throw APIError(
                    status: .unprocessableContent, code: "limit_exceeded",
                    message:
                        "the campaign makes \(context.plan.creatives) creatives; this server takes at most \(server.configuration.limits.creativesPerBatch) a batch",
                    diagnostics: [])
            }
            return context
        } catch let error as ServiceError {
            throw Self.relativised(error, folder: folder)
        } catch let error as APIError {
            throw error
        } catch {
            throw APIError(status: .internalServerError, code: "internal", message: "internal error")
        }
    }

    /// A load error with the upload folder taken out of its paths: the client sees `campaign.yaml:3:7` and its own
    /// relative file names, never the server's folders.
    static func relativised(_ error: ServiceError, folder: String) -> APIError {
        var answer = APIError(error)
        func strip(_ text: String) -> String {
            text.replacingOccurrences(of: folder + "/", with: "").replacingOccurrences(of: folder, with: ".")
        }
        answer.message = strip(answer.message)
        answer.diagnostics = answer.diagnostics.map { diagnostic in
            var diagnostic = diagnostic
            diagnostic.location.file = strip(diagnostic.location.file)
            diagnostic.message = strip(diagnostic.message)
            diagnostic.hint = diagnostic.hint.map(strip)
            return diagnostic
        }
        return answer
    }

    static func batchID(_ text: String) throws(APIError) -> String {
        guard text.count == 18, text.hasPrefix("b_"), text.dropFirst(2).allSatisfy({ $0.isHexDigit && !$0.isUppercase })
        else { throw .notFound("batch") }
        return text
    }

    /// The document's length limits, which the generated code does not check.
    static func check(_ value: String?, _ name: String, maxLength: Int) throws(APIError) {
        if let value, value.count > maxLength { throw .badRequest("\(name) is at most \(maxLength) characters") }
    }

    static func limit(_ value: Int?) throws(APIError) -> Int {
        guard let value else { return 50 }
        guard (1...200).contains(value) else { throw .badRequest("limit is from 1 to 200") }
        return value
    }
}
