import AsyncHTTPClient
import Foundation
import NIOCore
import OpenAIAPI

/// Any OpenAI-compatible server over HTTP: streaming `/v1/completions`, one SSE chunk per
/// token, with times taken as each chunk arrives.
public struct HTTPTarget: LoadTarget {
    /// What the server understands beyond the OpenAI API.
    public enum Flavor: String, Sendable, CaseIterable {
        /// ConServe: offline work as `service_tier: flex`, objectives per request, `ignore_eos`.
        case conserve
        /// A plain OpenAI-compatible server (llama.cpp's): no classes, so offline work goes as
        /// ordinary requests; output lengths forced with a -100 logit bias on end-of-generation tokens.
        case openai
    }

    public let url: String
    public let flavor: Flavor
    public let model: String
    public let apiKey: String?
    /// Token ids that end generation, biased away when the flavor cannot ignore EOS.
    public let endOfGenerationIDs: [Int32]
    let client: HTTPClient

    public init(url: String, flavor: Flavor, model: String, apiKey: String? = nil, endOfGenerationIDs: [Int32], client: HTTPClient) {
        self.url = url.hasSuffix("/") ? String(url.dropLast()) : url
        self.flavor = flavor
        self.model = model
        self.apiKey = apiKey
        self.endOfGenerationIDs = endOfGenerationIDs
        self.client = client
    }

    /// One connection per request in flight, as many clients would open them. Idle connections
    /// are dropped after 2 s, before servers drop them: llama-server (cpp-httplib) closes a
    /// keep-alive connection idle for 5 s, and a request sent on it as it closes failed with
    /// "I/O on closed channel" when the pool kept connections for 60 s.
    public static func makeClient(connections: Int) -> HTTPClient {
        var configuration = HTTPClient.Configuration()
        configuration.connectionPool = .init(idleTimeout: .seconds(2), concurrentHTTP1ConnectionsPerHostSoftLimit: connections)
        configuration.timeout = .init(connect: .seconds(30), read: .seconds(900))
        return HTTPClient(eventLoopGroupProvider: .singleton, configuration: configuration)
    }

    func body(_ request: WorkloadRequest) throws -> Data {
        var body = CompletionRequest(model: model, prompt: .text(request.text), maxTokens: request.maxTokens, temperature: 0,
                                     stream: true, streamOptions: StreamOptions(includeUsage: true))
        switch flavor {
        case .conserve:
            if request.ignoreEOS { body.ignoreEOS = true }
            if request.workClass == .offline { body.serviceTier = .flex }
            if let objective = request.objective {
                body.sloTTFTMilliseconds = objective.ttft * 1000
                body.sloTPOTMilliseconds = objective.tpot * 1000
            }
        case .openai:
            if request.ignoreEOS {
                body.logitBias = Dictionary(uniqueKeysWithValues: endOfGenerationIDs.map { (String($0), -100) })
            }
            return try JSONEncoder().encode(FreshPromptBody(request: body))
        }
        return try JSONEncoder().encode(body)
    }

    /// A plain server's body with llama.cpp's `cache_prompt: false`: every policy and peer run
    /// replays the identical prompts, and llama-server's slots (and its host prompt cache) keep
    /// the previous run's, so each run after a server's first found its online prompts already
    /// computed (at 0.5 of capacity, mean of 3 windows: TTFT median 995 ms at offline×0, then
    /// 60 ms at offline×1 on the same requests). The in-process runs start with an empty cache.
    /// Other OpenAI servers ignore the unknown field.
    struct FreshPromptBody: Encodable {
        let request: CompletionRequest
        private enum Key: String, CodingKey { case cachePrompt = "cache_prompt" }

        func encode(to encoder: any Encoder) throws {
            try request.encode(to: encoder)
            var container = encoder.container(keyedBy: Key.self)
            try container.encode(false, forKey: .cachePrompt)
        }
    }

    public func send(_ request: WorkloadRequest, clock: RunClock) async -> RequestRecord {
        var record = RequestRecord(workClass: request.workClass, sent: clock.now(), promptTokens: request.promptTokens,
                                   requestedOutputTokens: request.maxTokens)
        do {
            var http = HTTPClientRequest(url: url + "/v1/completions")
            http.method = .POST
            http.headers.add(name: "Content-Type", value: "application/json")
            if let apiKey { http.headers.add(name: "Authorization", value: "Bearer \(apiKey)") }
            http.body = .bytes(ByteBuffer(bytes: try body(request)))
            let response: HTTPClientResponse
            do {
                response = try await client.execute(http, timeout: .seconds(900))
            } catch where Self.closedBeforeResponse(error) {
                // A pooled connection the server closed as the request went out: nothing was
                // answered, so the request goes once more on a fresh connection.
                response = try await client.execute(http, timeout: .seconds(900))
            }
            var parser = SSEParser()
            if response.status != .ok {
                let text = String(buffer: try await response.body.collect(upTo: 1 << 20))
                record.error = "HTTP \(response.status.code): \(text.prefix(300))"
                record.finished = clock.now()
                return record
            }
            for try await buffer in response.body {
                for event in parser.feed(String(buffer: buffer)) {
                    switch event {
                    case .token: record.tokenTimes.append(clock.now())
                    case .usage(let prompt, _): record.promptTokens = prompt
                    case .error(let message): record.error = message
                    case .done: break
                    }
                }
            }
            if !Task.isCancelled { record.finished = clock.now() }
        } catch {
            if !Task.isCancelled {
                record.error = "\(error)"
                record.finished = clock.now()
            }
        }
        return record
    }
}

extension HTTPTarget {
    /// The connection closed under a request before any response came: the server never
    /// answered it, so it may be sent again.
    static func closedBeforeResponse(_ error: any Error) -> Bool {
        if let error = error as? HTTPClientError, error == .remoteConnectionClosed { return true }
        if let error = error as? ChannelError, error == .ioOnClosedChannel || error == .alreadyClosed { return true }
        return false
    }
}

/// Splits a server-sent event stream of completion chunks into what the benchmark counts.
struct SSEParser {
    enum Event: Equatable {
        case token
        case usage(prompt: Int, completion: Int)
        case error(String)
        case done
    }

    private var reader = ServerSentEventReader()

    mutating func feed(_ text: String) -> [Event] {
        var events: [Event] = []
        for payload in reader.feed(text) {
            guard let event = CompletionStreamEvent(payload: payload) else { continue }
            if event.isDone { events.append(.done) }
            if let error = event.error { events.append(.error(error.message)) }
            // A chunk with text is a token (servers stream one token per chunk).
            if let text = event.texts.first, !text.isEmpty { events.append(.token) }
            if let usage = event.usage { events.append(.usage(prompt: usage.promptTokens, completion: usage.completionTokens)) }
        }
        return events
    }
}
