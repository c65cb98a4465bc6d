import Hummingbird

/// `/v1/chat/completions` and `/v1/completions`: the body goes through the completion pipeline.
struct CompletionRoutes: Sendable {
    let pipeline: CompletionPipeline
    let configuration: ServerConfiguration

    func add<Context: RequestContext>(to router: some RouterMethods<Context>) {
        let group = router.group("v1")
        group.post("chat/completions") { request, _ in
            try await pipeline.response(to: try await HTTPResponses.body(of: request, limit: configuration.maxBodySize),
                                        at: .chatCompletions)
        }
        group.post("completions") { request, _ in
            try await pipeline.response(to: try await HTTPResponses.body(of: request, limit: configuration.maxBodySize),
                                        at: .completions)
        }
    }
}
