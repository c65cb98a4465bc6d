/// `{"object": "list", "data": [...]}`: how OpenAI wraps a whole list (the models, a batch's
/// errors).
public struct ObjectList<Item: Codable & Sendable & Equatable>: Codable, Sendable, Equatable {
    public var object = "list"
    public var data: [Item]

    public init(data: [Item]) {
        self.data = data
    }
}

/// One page of a cursor-paged list (`GET /v1/files`, `GET /v1/batches`), newest first: the
/// items, the ids of the first and last (null when the page is empty), and whether more follow
/// `lastID` (ask for them with `after=<lastID>`).
public struct ListPage<Item: Codable & Sendable & Equatable & Identifiable>: Codable, Sendable, Equatable
where Item.ID == String {
    public var object = "list"
    public var data: [Item]
    @Nullable public var firstID: String?
    @Nullable public var lastID: String?
    public var hasMore: Bool

    public init(data: [Item], hasMore: Bool = false) {
        self.data = data
        self.firstID = data.first?.id
        self.lastID = data.last?.id
        self.hasMore = hasMore
    }

    enum CodingKeys: String, CodingKey {
        case object, data
        case firstID = "first_id"
        case lastID = "last_id"
        case hasMore = "has_more"
    }
}
