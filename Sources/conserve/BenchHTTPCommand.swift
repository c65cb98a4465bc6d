import APIServer
import ArgumentParser
import AsyncHTTPClient
import Engine
import Foundation
import Hummingbird
import Jobs
import LlamaModel
import Logging
import NIOCore
import Tokenization

/// `conserve bench http`: what the HTTP layer costs and whether it holds up. Streams the same
/// concurrent online load in process and through the server (rounds alternate), then holds
/// hundreds of concurrent streams and thousands of requests in a row while watching memory.
struct BenchHTTPCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "http",
        abstract: "Server overhead against in-process streaming, and a soak of concurrent and sequential requests."
    )

    @OptionGroup var modelOptions: ModelOptions
    @OptionGroup var engineOptions: EngineOptions

    @Option(help: "Concurrent streams in the overhead comparison.")
    var concurrency = 64

    @Option(help: "Generated tokens per request in the overhead comparison.")
    var outputTokens = 64

    @Option(help: "Rounds of the overhead comparison (in process and HTTP alternate).")
    var rounds = 3

    @Option(help: "Concurrent streaming connections held in the soak.")
    var connections = 256

    @Option(help: "Requests in a row in the soak (sent 64 at a time).")
    var requests = 10_000

    @Flag(help: "Print the figures as JSON.")
    var json = false

    struct Report: Codable {
        var concurrency: Int, outputTokens: Int
        var inProcessTokensPerSecond: [Double] = [], httpTokensPerSecond: [Double] = []
        var ratio = 0.0
        var connections = 0, connectionFailures = 0
        var requests = 0, requestFailures = 0
        var rssBeforeMiB = 0.0, rssAfterConnectionsMiB = 0.0, rssAfterRequestsMiB = 0.0
        var soakSeconds = 0.0
    }

    func run() async throws {
        let path = try modelOptions.resolvedPath()
        let model = try LoadedModel(path: path)
        let tokenizer = try Tokenizer(gguf: model.file)
        var engineConfiguration = try engineOptions.configuration(threads: modelOptions.threads)
        engineConfiguration.checkpoint = .none
        let latency = engineConfiguration.policy.needsLatencyModel
            ? try LatencyProfileStore.loadOrProfile(model: model, modelPath: path, threads: modelOptions.threads, log: Console.status, store: .standard) : nil
        let engine = try EngineHandle(model: model, tokenizer: tokenizer, configuration: engineConfiguration, latencyModel: latency)
        var serverConfiguration = ServerConfiguration(modelName: "bench")
        serverConfiguration.port = try Self.freePort()
        serverConfiguration.maxQueuedOnline = max(connections, concurrency) + 64
        var logger = Logger(label: "conserve")
        logger.logLevel = .warning
        let service = GenerationService(engine: engine, prompts: try PromptEncoder(model: model, tokenizer: tokenizer),
                                        modelName: "bench", maxQueuedOnline: serverConfiguration.maxQueuedOnline, logger: logger)
        let server = OpenAIServer(service: service, configuration: serverConfiguration, store: nil, logger: logger)
        let app = server.application(logger: logger)
        let serverTask = Task { try await app.run() }
        // One connection per stream, as a crowd of clients would open them.
        var clientConfiguration = HTTPClient.Configuration()
        clientConfiguration.connectionPool = .init(idleTimeout: .seconds(60),
                                                   concurrentHTTP1ConnectionsPerHostSoftLimit: max(connections, concurrency) + 64)
        clientConfiguration.timeout = .init(connect: .seconds(60), read: .seconds(600))
        let client = HTTPClient(eventLoopGroupProvider: .singleton, configuration: clientConfiguration)
        let url = "http://127.0.0.1:\(serverConfiguration.port)"
        defer { serverTask.cancel() }
        try await Self.waitForHealth(client, url)

        var report = Report(concurrency: concurrency, outputTokens: outputTokens)
        let prompts = EngineBenchParts.offlinePrompts(concurrency, tokenizer: tokenizer)
        // Warm up with the full load once: the first steps that reach a KV block pay its page faults.
        _ = try await inProcess(service, prompts)
        _ = try await overHTTP(client, url, Array(prompts.prefix(4)))
        for round in 0 ..< rounds {
            for mode in round % 2 == 0 ? ["process", "http"] : ["http", "process"] {
                let start = ContinuousClock.now
                let tokens = mode == "process"
                    ? try await inProcess(service, prompts) : try await overHTTP(client, url, prompts)
                let rate = Double(tokens) / (ContinuousClock.now - start).inSeconds
                if mode == "process" { report.inProcessTokensPerSecond.append(rate) } else { report.httpTokensPerSecond.append(rate) }
                Console.status("  \(mode) round \(round + 1): \(String(format: "%.1f", rate)) generated tok/s")
            }
        }
        let mean = { (xs: [Double]) in xs.reduce(0, +) / Double(max(xs.count, 1)) }
        report.ratio = mean(report.httpTokensPerSecond) / mean(report.inProcessTokensPerSecond)

        // Soak: many concurrent streams, then many requests in a row; resident memory around them.
        report.rssBeforeMiB = Self.residentMiB()
        let soakStart = ContinuousClock.now
        let short = tokenizer.encode("Say one word.", addSpecial: true)
        report.connections = connections
        report.connectionFailures = await Self.failures(connections) { _ in
            try await self.stream(client, url, prompt: short, maxTokens: 16) == 16
        }
        report.rssAfterConnectionsMiB = Self.residentMiB()
        Console.status("  \(connections) concurrent streams: \(report.connectionFailures) failed")
        report.requests = requests
        var done = 0
        while done < requests {
            let wave = min(64, requests - done)
            report.requestFailures += await Self.failures(wave) { _ in
                try await self.stream(client, url, prompt: short, maxTokens: 1) == 1
            }
            done += wave
            if done % 1024 < 64 { Console.status("  \(done)/\(requests) requests, RSS \(String(format: "%.1f", Self.residentMiB())) MiB") }
        }
        report.rssAfterRequestsMiB = Self.residentMiB()
        report.soakSeconds = (ContinuousClock.now - soakStart).inSeconds
        try await client.shutdown()
        engine.shutdown()

        if json {
            let encoder = JSONEncoder()
            encoder.outputFormatting = [.prettyPrinted, .sortedKeys]
            Console.write(String(decoding: try encoder.encode(report), as: UTF8.self) + "\n")
        } else {
            Console.write(String(format: """
                | figure | measured | target |
                | --- | --- | --- |
                | %d concurrent streams × %d tokens: HTTP %.1f vs in process %.1f generated tok/s | %.3f× | ≥ 0.95× |
                | %d concurrent streaming connections | %d failed | 0 |
                | %d requests in a row (64 at a time) | %d failed; RSS %.1f → %.1f MiB (%+.1f) | growth < 50 MiB |

                Resident memory: %.1f MiB before the soak, %.1f after the concurrent streams (their KV blocks are
                touched for the first time), %.1f after the requests in a row.

                """, concurrency, outputTokens, mean(report.httpTokensPerSecond), mean(report.inProcessTokensPerSecond), report.ratio,
                connections, report.connectionFailures, requests, report.requestFailures, report.rssAfterConnectionsMiB,
                report.rssAfterRequestsMiB, report.rssAfterRequestsMiB - report.rssAfterConnectionsMiB,
                report.rssBeforeMiB, report.rssAfterConnectionsMiB, report.rssAfterRequestsMiB))
        }
    }

    /// Generated tokens of `prompts` run at once through the service (no HTTP).
    func inProcess(_ service: GenerationService, _ prompts: [[Int32]]) async throws -> Int {
        try await withThrowingTaskGroup(of: Int.self) { group in
            for prompt in prompts {
                var request = GenerationRequest(prompt: prompt, maxTokens: outputTokens)
                request.ignoreEOS = true
                let stream = try service.submit(request)
                group.addTask { try await stream.reduce(0) { n, event in n + (event.token == nil ? 0 : 1) } }
            }
            return try await group.reduce(0, +)
        }
    }

    /// The same over HTTP: streaming completions with the same token ids.
    func overHTTP(_ client: HTTPClient, _ url: String, _ prompts: [[Int32]]) async throws -> Int {
        try await withThrowingTaskGroup(of: Int.self) { group in
            for prompt in prompts {
                group.addTask { try await self.stream(client, url, prompt: prompt, maxTokens: outputTokens) }
            }
            return try await group.reduce(0, +)
        }
    }

    /// One streaming completion; returns the number of chunks with a token.
    func stream(_ client: HTTPClient, _ url: String, prompt: [Int32], maxTokens: Int) async throws -> Int {
        var request = HTTPClientRequest(url: url + "/v1/completions")
        request.method = .POST
        request.headers.add(name: "Content-Type", value: "application/json")
        let body = #"{"model": "bench", "prompt": \#(prompt), "max_tokens": \#(maxTokens), "stream": true, "ignore_eos": true, "temperature": 0}"#
        request.body = .bytes(ByteBuffer(string: body))
        let response = try await client.execute(request, timeout: .seconds(600))
        guard response.status == .ok else { throw ValidationError("HTTP \(response.status.code)") }
        var chunks = 0
        var pending = ""
        for try await buffer in response.body {
            pending += String(buffer: buffer)
            while let end = pending.range(of: "\n\n") {
                let event = pending[..<end.lowerBound]
                if event.hasPrefix("data: {") && event.contains("\"text\"") { chunks += 1 }
                pending.removeSubrange(..<end.upperBound)
            }
        }
        return chunks
    }

    static func failures(_ count: Int, _ body: @escaping @Sendable (Int) async throws -> Bool) async -> Int {
        await withTaskGroup(of: Bool.self) { group in
            for i in 0 ..< count { group.addTask { (try? await body(i)) ?? false } }
            return await group.reduce(0) { $0 + ($1 ? 0 : 1) }
        }
    }

    static func waitForHealth(_ client: HTTPClient, _ url: String) async throws {
        for _ in 0 ..< 200 {
            if let response = try? await client.execute(HTTPClientRequest(url: url + "/health"), timeout: .seconds(1)),
               response.status == .ok { return }
            try await Task.sleep(for: .milliseconds(50))
        }
        throw ValidationError("the server did not start")
    }

    static func freePort() throws -> Int {
        let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        defer { close(fd) }
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_addr.s_addr = inet_addr("127.0.0.1")
        var length = socklen_t(MemoryLayout<sockaddr_in>.size)
        _ = withUnsafePointer(to: &address) { $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { bind(fd, $0, length) } }
        _ = withUnsafeMutablePointer(to: &address) { $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { getsockname(fd, $0, &length) } }
        return Int(UInt16(bigEndian: address.sin_port))
    }

    /// Resident memory of this process (server and engine included), from /proc.
    static func residentMiB() -> Double {
        guard let status = try? String(contentsOfFile: "/proc/self/status", encoding: .utf8),
              let line = status.split(separator: "\n").first(where: { $0.hasPrefix("VmRSS:") }),
              let kb = Double(line.split(separator: " ").dropFirst().first ?? "") else { return 0 }
        return kb / 1024
    }
}
