import Hummingbird
import NIOCore

/// `/health` for load balancers and `/metrics` for Prometheus; outside `/v1`, so no API key.
struct HealthRoutes: Sendable {
    let service: GenerationService

    func add<Context: RequestContext>(to router: some RouterMethods<Context>) {
        router.get("health") { _, _ in HTTPResponses.json(["status": "ok"]) }
        router.get("metrics") { _, _ in
            Response(status: .ok, headers: [.contentType: "text/plain; version=0.0.4; charset=utf-8"],
                     body: .init(byteBuffer: ByteBuffer(string: service.metrics.scrape(service.engine.stats()))))
        }
    }
}
