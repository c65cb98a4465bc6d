import Foundation
import Hummingbird
import OpenAIAPI

/// `/v1/models`: the one model this server serves, under the name requests must use.
struct ModelRoutes: Sendable {
    let configuration: ServerConfiguration
    let created = Int(Date().timeIntervalSince1970)

    func add<Context: RequestContext>(to router: some RouterMethods<Context>) {
        let group = router.group("v1/models")
        group.get { _, _ in
            HTTPResponses.json(ModelList(data: [ModelObject(id: configuration.modelName, created: created, ownedBy: "conserve")]))
        }
        group.get(":model") { _, context in
            let name = context.parameters.get("model") ?? ""
            guard name == configuration.modelName else { throw APIError.modelNotFound(name, available: [configuration.modelName]) }
            return HTTPResponses.json(ModelObject(id: name, created: created, ownedBy: "conserve"))
        }
    }
}
