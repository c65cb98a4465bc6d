import APIServer
import Foundation
import Hummingbird
import HummingbirdTesting
import Logging
import ServiceLifecycle
import Testing

/// The server on a real socket, run as `conserve serve` runs it (`OpenAIServer.service` in a
/// `ServiceGroup`), for what only a live connection shows: a client going away, and shutdown.
/// Each test has its own `GenerationService` over the shared engine, so `runningCount` counts
/// its own requests only.
@Suite(.serialized, .timeLimit(.minutes(3))) struct LiveServerTests {
    /// Long enough (`ignore_eos`) that it cannot finish by itself within the waits below.
    static let longCompletion = #"{"model": "smollm2", "prompt": "Once upon a time", "max_tokens": 900, "ignore_eos": true}"#

    struct Live {
        let port: Int
        let service: GenerationService
        let group: ServiceGroup

        func client(timeout: Duration = .seconds(120)) -> TestClient {
            let client = TestClient(host: "127.0.0.1", port: port, configuration: .init(timeout: timeout))
            client.connect()
            return client
        }

        /// Polls until `condition` holds, for `seconds` at most; returns whether it held.
        func eventually(within seconds: Double, _ condition: () -> Bool) async throws -> Bool {
            let deadline = ContinuousClock.now + .milliseconds(Int64(seconds * 1000))
            while ContinuousClock.now < deadline {
                if condition() { return true }
                try await Task.sleep(for: .milliseconds(20))
            }
            return condition()
        }
    }

    /// Runs `body` against a live server, then shuts it down gracefully and waits for it.
    func withLiveServer(gracePeriod: Duration, _ body: (Live) async throws -> Void) async throws {
        let shared = try ServerTestSupport.service.get()
        let service = GenerationService(engine: shared.engine, prompts: shared.prompts, modelName: "smollm2", maxQueuedOnline: 8)
        var configuration = ServerConfiguration(modelName: "smollm2")
        configuration.port = 0
        let logger = Logger(label: "test")
        let server = OpenAIServer(service: service, configuration: configuration, store: nil, logger: logger)
        let (ports, portSink) = AsyncStream.makeStream(of: Int.self)
        let group = ServiceGroup(configuration: .init(services: [
            .init(service: server.service(logger: logger, shutdownGracePeriod: gracePeriod) { portSink.yield($0.localAddress?.port ?? 0) }),
        ], logger: logger))
        try await withThrowingTaskGroup(of: Void.self) { tasks in
            tasks.addTask { try await group.run() }
            var iterator = ports.makeAsyncIterator()
            let port = try #require(await iterator.next())
            try await body(Live(port: port, service: service, group: group))
            await group.triggerGracefulShutdown()
            try await tasks.waitForAll()
        }
        #expect(service.runningCount == 0)
    }

    @Test func nonStreamingRequestIsCancelledWhenItsClientGoesAway() async throws {
        try await withLiveServer(gracePeriod: .seconds(30)) { live in
            for uri in ["/v1/completions", "/v1/chat/completions"] {
                let body = uri == "/v1/completions" ? Self.longCompletion
                    : #"{"model": "smollm2", "messages": [{"role": "user", "content": "Tell a long story."}], "max_tokens": 900, "ignore_eos": true}"#
                let client = live.client()
                try await client.executeAndDontWaitForResponse(
                    .init(uri, method: .post, headers: [.contentType: "application/json"], body: ByteBuffer(string: body)))
                #expect(try await live.eventually(within: 30) { live.service.runningCount == 1 }, "\(uri): never started")
                try await client.shutdown() // closes the socket, as a client that timed out does
                #expect(try await live.eventually(within: 5) { live.service.runningCount == 0 },
                        "\(uri): still running 5 s after its client went away")
            }
        }
    }

    /// `n` = 3, streamed or not: the client going away cancels every choice.
    @Test func severalChoicesAreCancelledWhenTheirClientGoesAway() async throws {
        try await withLiveServer(gracePeriod: .seconds(30)) { live in
            for uri in ["/v1/completions", "/v1/chat/completions"] {
                for stream in [true, false] {
                    let body = uri == "/v1/completions"
                        ? #"{"model": "smollm2", "prompt": "Once upon a time", "max_tokens": 900, "ignore_eos": true, "n": 3, "stream": \#(stream)}"#
                        : #"{"model": "smollm2", "messages": [{"role": "user", "content": "Tell a long story."}], "max_tokens": 900, "ignore_eos": true, "n": 3, "stream": \#(stream)}"#
                    let client = live.client()
                    try await client.executeAndDontWaitForResponse(
                        .init(uri, method: .post, headers: [.contentType: "application/json"], body: ByteBuffer(string: body)))
                    #expect(try await live.eventually(within: 30) { live.service.runningCount == 3 },
                            "\(uri), stream \(stream): the choices never all started")
                    try await client.shutdown()
                    #expect(try await live.eventually(within: 5) { live.service.runningCount == 0 },
                            "\(uri), stream \(stream): choices still running 5 s after their client went away")
                }
            }
        }
    }

    @Test func shutdownLetsRunningRequestsFinishWithinTheGracePeriod() async throws {
        try await withLiveServer(gracePeriod: .seconds(60)) { live in
            let client = live.client()
            async let response = client.execute(.init(
                "/v1/completions", method: .post, headers: [.contentType: "application/json"],
                body: ByteBuffer(string: #"{"model": "smollm2", "prompt": "Once upon a time", "max_tokens": 24, "ignore_eos": true}"#)))
            #expect(try await live.eventually(within: 30) { live.service.runningCount == 1 })
            await live.group.triggerGracefulShutdown()
            let finished = try await response
            #expect(finished.status == .ok)
            let choice = (try ServerTestSupport.json(try #require(finished.body))["choices"] as? [[String: Any]])?.first
            #expect(choice?["finish_reason"] as? String == "length")
            try? await client.shutdown()
        }
    }

    @Test func shutdownCancelsWhatTheGracePeriodLeaves() async throws {
        try await withLiveServer(gracePeriod: .milliseconds(300)) { live in
            let client = live.client()
            async let response = client.execute(.init(
                "/v1/completions", method: .post, headers: [.contentType: "application/json"],
                body: ByteBuffer(string: Self.longCompletion)))
            #expect(try await live.eventually(within: 30) { live.service.runningCount == 1 })
            await live.group.triggerGracefulShutdown()
            let cut = try await response
            #expect(cut.status == .serviceUnavailable)
            let message = try ServerTestSupport.error(try #require(cut.body))["message"] as? String
            #expect(message?.contains("shutting down") == true)
            try? await client.shutdown()
        }
    }
}
