import AsyncHTTPClient
import Foundation
import NIOCore

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

    /// One connection per request in flight, as many clients would open them.
    public static func makeClient(connections: Int) -> HTTPClient {
        var configuration = HTTPClient.Configuration()
        configuration.connectionPool = .init(idleTimeout: .seconds(60), concurrentHTTP1ConnectionsPerHostSoftLimit: connections)
        configuration.timeout = .init(connect: .seconds(30), read: .seconds(900))
        return HTTPClient(eventLoopGroupProvider: .singleton, configuration: configuration)
    }

    func body(_ request: WorkloadRequest) throws -> Data {
        var body: [String: Any] = [
            "model": model, "prompt": request.text, "max_tokens": request.maxTokens, "temperature": 0,
            "stream": true, "stream_options": ["include_usage": true],
        ]
        switch flavor {
        case .conserve:
            if request.ignoreEOS { body["ignore_eos"] = true }
            if request.workClass == .offline { body["service_tier"] = "flex" }
            if let objective = request.objective {
                body["slo_ttft_ms"] = objective.ttft * 1000
                body["slo_tpot_ms"] = objective.tpot * 1000
            }
        case .openai:
            if request.ignoreEOS {
                body["logit_bias"] = Dictionary(uniqueKeysWithValues: endOfGenerationIDs.map { (String($0), -100) })
            }
        }
        return try JSONSerialization.data(withJSONObject: body)
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
            let response = try await client.execute(http, timeout: .seconds(900))
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

/// Splits a server-sent event stream of completion chunks into what the benchmark counts.
struct SSEParser {
    enum Event: Equatable {
        case token
        case usage(prompt: Int, completion: Int)
        case error(String)
        case done
    }

    private var pending = ""

    mutating func feed(_ text: String) -> [Event] {
        pending += text
        var events: [Event] = []
        while let end = pending.range(of: "\n\n") ?? pending.range(of: "\r\n\r\n") {
            let block = String(pending[..<end.lowerBound])
            pending.removeSubrange(..<end.upperBound)
            for line in block.split(whereSeparator: \.isNewline) where line.hasPrefix("data:") {
                let payload = line.dropFirst(5).trimmingCharacters(in: .whitespaces)
                if payload == "[DONE]" { events.append(.done); continue }
                guard let object = try? JSONSerialization.jsonObject(with: Data(payload.utf8)) as? [String: Any] else { continue }
                if let error = object["error"] as? [String: Any] {
                    events.append(.error(error["message"] as? String ?? "error"))
                }
                // A chunk with text is a token (servers stream one token per chunk).
                if let choices = object["choices"] as? [[String: Any]],
                   let text = choices.first?["text"] as? String, !text.isEmpty {
                    events.append(.token)
                }
                if let usage = object["usage"] as? [String: Any], let prompt = usage["prompt_tokens"] as? Int {
                    events.append(.usage(prompt: prompt, completion: usage["completion_tokens"] as? Int ?? 0))
                }
            }
        }
        return events
    }
}
