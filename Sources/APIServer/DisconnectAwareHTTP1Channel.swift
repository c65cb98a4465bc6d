import HummingbirdCore
import Logging
import NIOCore

/// HTTP/1.1 as Hummingbird serves it, except that a client that goes away cancels the task
/// serving its connection, and with it the request that task awaits: the engine request is
/// cancelled and its KV freed at once, not when a response nobody reads is finally written.
///
/// Hummingbird accepts every connection with `ChannelOptions.allowRemoteHalfClosure` on
/// (`HummingbirdCore/Server/Server.swift`, `createSocketsBootstrap`), so a client's FIN only
/// ends the connection's inbound stream of request parts, which nobody reads while a handler
/// awaits a non-streaming generation; the channel stays open and nothing is cancelled.
/// Each connection here turns half-closure off again, so NIO closes the channel when it reads
/// EOF (`NIOPosix/BaseSocketChannel.swift`, `readable0`), and `handle` cancels the connection's
/// task when `closeFuture` completes. The price: a client that half-closes its socket after
/// sending a request (`shutdown(SHUT_WR)`, as `nc -N` does) is taken to have gone away and
/// gets no response. HTTP clients (curl, httpx, AsyncHTTPClient, browsers) do not do that.
///
/// Hummingbird's own `RequestBody.consumeWithCancellationOnInboundClose` would also notice
/// the FIN, but it ends the connection's inbound stream when the operation returns, so every
/// response would close its keep-alive connection.
struct DisconnectAwareHTTP1Channel: ServerChildChannel {
    typealias Value = HTTP1Channel.Value
    let http1: HTTP1Channel

    func setup(channel: any Channel, logger: Logger) -> EventLoopFuture<Value> {
        channel.setOption(ChannelOptions.allowRemoteHalfClosure, value: false).flatMap {
            http1.setup(channel: channel, logger: logger)
        }
    }

    func handle(value: Value, logger: Logger) async {
        await withDiscardingTaskGroup { group in
            group.addTask { await http1.handle(value: value, logger: logger) }
            // The channel closes when the client goes away, or when Hummingbird is done with
            // the connection (it closes it before `handle` returns): either way nothing on it
            // is left to answer.
            try? await value.channel.closeFuture.get()
            group.cancelAll()
        }
    }
}

extension HTTPServerBuilder {
    /// HTTP/1.1 where a client closing its connection cancels the request it waits on.
    static func disconnectAwareHTTP1(configuration: HTTP1Channel.Configuration = .init()) -> HTTPServerBuilder {
        HTTPServerBuilder { responder in
            DisconnectAwareHTTP1Channel(http1: HTTP1Channel(responder: responder, configuration: configuration))
        }
    }
}
