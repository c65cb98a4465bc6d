/// One model the server serves, as `GET /v1/models` lists it and `GET /v1/models/{id}` returns it.
public struct ModelObject: Codable, Sendable, Equatable {
    /// The name clients put in a request's `model`.
    public var id: String
    public var object = "model"
    /// Unix seconds.
    public var created: Int
    public var ownedBy: String

    public init(id: String, created: Int, ownedBy: String = "conserve") {
        self.id = id
        self.created = created
        self.ownedBy = ownedBy
    }

    enum CodingKeys: String, CodingKey {
        case id, object, created
        case ownedBy = "owned_by"
    }
}

/// The body of `GET /v1/models`.
public typealias ModelList = ObjectList<ModelObject>
