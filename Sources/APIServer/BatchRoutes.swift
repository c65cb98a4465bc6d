import Foundation
import Hummingbird
import Jobs
import OpenAIAPI

/// `/v1/batches`: create (input lines validated up front), retrieve, list, cancel.
struct BatchRoutes: Sendable {
    let jobs: any JobStore
    let worker: BatchWorker
    let configuration: ServerConfiguration

    func add<Context: RequestContext>(to router: some RouterMethods<Context>) {
        let group = router.group("v1/batches")
        group.post { request, _ in
            let body = try await HTTPResponses.body(of: request, limit: configuration.maxBodySize)
            let create = try CreateBatchRequest.decode(body).get()
            return HTTPResponses.json(Batch(try await createBatch(create)))
        }
        group.get { request, _ in
            let query = request.uri.queryParameters
            let limit = query["limit"].flatMap { Int(String($0)) } ?? 20
            let after = query["after"].map(String.init)
            let batches = try await jobs.batches(limit: min(limit + 1, 100), after: after)
            return HTTPResponses.json(BatchList(data: batches.prefix(limit).map(Batch.init), hasMore: batches.count > limit))
        }
        group.get(":id") { _, context in
            let id = context.parameters.get("id") ?? ""
            guard let batch = try await jobs.batch(id: id) else { throw JobStoreError.batchNotFound(id: id) }
            return HTTPResponses.json(Batch(batch))
        }
        group.post(":id/cancel") { _, context in
            let id = context.parameters.get("id") ?? ""
            guard let batch = try await jobs.batch(id: id) else { throw JobStoreError.batchNotFound(id: id) }
            guard batch.status.isActive, batch.status != .cancelling else { return HTTPResponses.json(Batch(batch)) }
            let cancelling = try await jobs.cancelBatch(id: id)
            await worker.wake()
            return HTTPResponses.json(Batch(cancelling))
        }
    }

    /// Checks the input file and every line before accepting the batch; a file with bad lines
    /// makes a `failed` batch that lists them, as OpenAI does.
    func createBatch(_ create: CreateBatchRequest) async throws -> StoredBatch {
        guard let file = try await jobs.file(id: create.inputFileID) else {
            throw APIError.notFound("no file with id '\(create.inputFileID)'", param: "input_file_id")
        }
        guard file.purpose == StoredFile.batchInputPurpose, let content = try await jobs.fileContent(id: file.id) else {
            throw APIError.invalidRequest("file '\(file.id)' was not uploaded with purpose 'batch'", param: "input_file_id")
        }
        let endpoint = Jobs.BatchEndpoint(rawValue: create.endpoint.rawValue) ?? .chatCompletions
        switch BatchInputParser(endpoint: endpoint).parse(content) {
        case .invalid(let errors):
            let batch = try await jobs.createBatch(endpoint: endpoint, inputFileID: file.id, completionWindow: create.completionWindow,
                                                   metadata: create.metadata, lines: [])
            return try await jobs.failBatch(id: batch.id, errors: errors)
        case .valid(let lines):
            // A batch left validating by a crash between these two is started by the worker.
            let batch = try await jobs.createBatch(endpoint: endpoint, inputFileID: file.id, completionWindow: create.completionWindow,
                                                   metadata: create.metadata, lines: lines)
            let started = try await jobs.startBatch(id: batch.id)
            await worker.wake()
            return started
        }
    }
}
