import Engine
import Foundation
import Hummingbird
import Logging
import NIOCore
import ServiceLifecycle
import UnixSignals

extension OpenAIServer {
    /// Serves, and runs batches, until one of `signals` arrives; then shuts down gracefully:
    ///
    /// 1. the listener closes, idle connections close, and busy ones close after their response
    ///    (Hummingbird's graceful shutdown);
    /// 2. the batch worker stops: lines in flight are cancelled and stay pending, so they run
    ///    again after a restart (finished lines were recorded as each ended);
    /// 3. requests already running get `shutdownGracePeriod` to finish; what is left then is
    ///    cancelled and answered with a 503 (an SSE error event on a stream);
    /// 4. returns once every connection is done.
    ///
    /// A second signal ends the grace period at once: running requests are cancelled and every
    /// connection's task too. So is a connection still open 10 s after the grace period (a
    /// client that stopped reading its stream, or never sent its body).
    public func run(logger: Logger, shutdownGracePeriod: Duration,
                    signals: [UnixSignal] = [.sigterm, .sigint]) async throws {
        var configuration = ServiceGroupConfiguration(
            services: [.init(service: service(logger: logger, shutdownGracePeriod: shutdownGracePeriod, signals: signals))],
            gracefulShutdownSignals: signals, logger: logger)
        configuration.maximumGracefulShutdownDuration = shutdownGracePeriod + .seconds(10)
        try await ServiceGroup(configuration: configuration).run()
    }

    /// The server and its batch worker as one `Service`, shut down as `run` describes; for a
    /// `ServiceGroup` of one's own (tests trigger its graceful shutdown instead of a signal).
    /// `signals` end the grace period early when they arrive during it.
    public func service(logger: Logger, shutdownGracePeriod: Duration, signals: [UnixSignal] = [],
                        onServerRunning: @escaping @Sendable (any Channel) async -> Void = { _ in }) -> some Service {
        GracefulServer(application: application(logger: logger, onServerRunning: onServerRunning), server: self,
                       gracePeriod: shutdownGracePeriod, signals: signals, logger: logger)
    }
}

/// Runs the HTTP application and the batch worker; on graceful shutdown stops the worker and
/// starts the grace period's clock, after which the requests still running are cancelled.
struct GracefulServer<App: ApplicationProtocol>: Service {
    let application: App
    let server: OpenAIServer
    let gracePeriod: Duration
    let signals: [UnixSignal]
    let logger: Logger

    /// Thrown by `shutDownRequests` on a second signal, to cancel the application's connections.
    struct SecondSignal: Error {}

    func run() async throws {
        await server.startBatchWorker()
        do {
            try await withThrowingTaskGroup(of: Bool.self) { group in // true: the application ended
                group.addTask { try await application.run(); return true }
                group.addTask { try await shutDownRequests(); return false }
                while let applicationEnded = try await group.next() {
                    if applicationEnded { group.cancelAll() }
                }
            }
        } catch is SecondSignal {
            // Leaving the group cancelled the application, which then returned: shutdown is done.
        }
        await server.stopBatchWorker()
    }

    /// Waits for graceful shutdown, which reaches this task and the application together (a
    /// task local), then stops the batch worker and, after the grace period, cancels the
    /// requests still running. Cancelled when the application has ended.
    private func shutDownRequests() async throws(SecondSignal) {
        do { try await gracefulShutdown() } catch { return }
        let seconds = String(format: "%g", gracePeriod.inSeconds)
        logger.info("shutting down: no new connections; \(server.service.runningCount) running requests get up to \(seconds) s to finish (a second signal cuts it short); batch lines in flight stop and run again after restart")
        await server.stopBatchWorker()
        // The grace period, or until a second signal.
        let secondSignal = await UnixSignalsSequence(trapping: signals)
        let cutShort = await withTaskGroup(of: Bool?.self) { group in
            group.addTask { [gracePeriod] in (try? await Task.sleep(for: gracePeriod)).map { false } }
            if !signals.isEmpty { group.addTask { await secondSignal.first { _ in true }.map { _ in true } } }
            defer { group.cancelAll() }
            return await group.next() ?? nil
        }
        guard let cutShort else { return } // cancelled
        let cancelled = server.service.cancelRunning()
        if cutShort {
            logger.warning("second signal: cancelled \(cancelled) running requests, closing every connection")
            throw SecondSignal()
        }
        if cancelled > 0 { logger.warning("shutdown grace period (\(seconds) s) over: cancelled \(cancelled) running requests") }
    }
}
