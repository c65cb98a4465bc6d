import Hummingbird
import NIOCore

/// `/health` for load balancers, `/metrics` for Prometheus and `/openapi.json` (the API's
/// description); outside `/v1`, so no API key.
struct HealthRoutes: Sendable {
    let service: GenerationService

    func add<Context: RequestContext>(to router: some RouterMethods<Context>) {
        router.get("health") { _, _ in HTTPResponses.json(["status": "ok"]) }
        let openAPI = OpenAPIDocument.json(modelName: service.modelName)
        router.get("openapi.json") { _, _ in
            Response(status: .ok, headers: [.contentType: "application/json"], body: .init(byteBuffer: ByteBuffer(string: openAPI)))
        }
        router.get("metrics") { _, _ in
            Response(status: .ok, headers: [.contentType: "text/plain; version=0.0.4; charset=utf-8"],
                     body: .init(byteBuffer: ByteBuffer(string: service.metrics.scrape(service.engine.stats()))))
        }
    }
}
