import Engine
import Hummingbird
import Logging

/// The HTTP server: OpenAI routes over a `GenerationService`, with errors as OpenAI error
/// objects and an optional API key.
public enum OpenAIServer {
    public static func router(service: GenerationService, configuration: ServerConfiguration) -> Router<BasicRequestContext> {
        let router = Router(context: BasicRequestContext.self)
        router.add(middleware: OpenAIErrorMiddleware())
        if let key = configuration.apiKey { router.add(middleware: APIKeyMiddleware(key: key)) }
        OpenAIRoutes(service: service, configuration: configuration).add(to: router)
        return router
    }

    public static func application(service: GenerationService, configuration: ServerConfiguration,
                                   logger: Logger) -> some ApplicationProtocol {
        Application(router: router(service: service, configuration: configuration),
                    configuration: .init(address: .hostname(configuration.host, port: configuration.port), serverName: "conserve"),
                    logger: logger)
    }
}
