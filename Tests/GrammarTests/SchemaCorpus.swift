import OpenAIAPI

/// The schemas the grammar is tested on: nested objects, optional fields, enums, consts,
/// arrays with bounds, strings with lengths and formats, numbers, unions, references and
/// recursion. The same set drives the end-to-end tests (Tests/e2e/schemas.json is a copy,
/// checked by `corpusMatchesEndToEndCopy`).
enum SchemaCorpus {
    static let schemas: [(name: String, text: String)] = [
        ("flat", ##"{"type":"object","properties":{"name":{"type":"string","maxLength":20},"age":{"type":"integer"}},"required":["name","age"],"additionalProperties":false}"##),
        ("optional", ##"{"type":"object","properties":{"a":{"type":"string","maxLength":8},"b":{"type":"number"},"c":{"type":"boolean"}},"required":["b"]}"##),
        ("all optional", ##"{"type":"object","properties":{"x":{"type":"integer"},"y":{"type":"integer"}}}"##),
        ("enum", ##"{"type":"object","properties":{"color":{"enum":["red","green","blue"]},"size":{"type":"string","enum":["S","M","L"]}},"required":["color","size"],"additionalProperties":false}"##),
        ("const", ##"{"type":"object","properties":{"kind":{"const":"point"},"version":{"const":2}},"required":["kind","version"]}"##),
        ("array bounds", ##"{"type":"object","properties":{"tags":{"type":"array","items":{"type":"string","maxLength":10},"minItems":1,"maxItems":3}},"required":["tags"]}"##),
        ("array of objects", ##"{"type":"array","items":{"type":"object","properties":{"id":{"type":"integer"},"ok":{"type":"boolean"}},"required":["id","ok"]},"maxItems":4}"##),
        ("nested", ##"{"type":"object","properties":{"user":{"type":"object","properties":{"name":{"type":"string","maxLength":12},"address":{"type":"object","properties":{"city":{"type":"string","maxLength":12},"zip":{"type":"string","minLength":5,"maxLength":5}},"required":["city","zip"]}},"required":["name","address"]}},"required":["user"]}"##),
        ("string lengths", ##"{"type":"object","properties":{"code":{"type":"string","minLength":3,"maxLength":3},"note":{"type":"string","minLength":2,"maxLength":6}},"required":["code","note"]}"##),
        ("formats", ##"{"type":"object","properties":{"day":{"type":"string","format":"date"},"at":{"type":"string","format":"date-time"},"id":{"type":"string","format":"uuid"}},"required":["day","at","id"]}"##),
        ("email and ip", ##"{"type":"object","properties":{"email":{"type":"string","format":"email"},"host":{"type":"string","format":"ipv4"},"t":{"type":"string","format":"time"}},"required":["email","host","t"]}"##),
        ("numbers", ##"{"type":"object","properties":{"i":{"type":"integer"},"x":{"type":"number"},"n":{"type":"null"}},"required":["i","x","n"]}"##),
        ("nullable", ##"{"type":"object","properties":{"v":{"type":["string","null"],"maxLength":6},"w":{"anyOf":[{"type":"integer"},{"type":"null"}]}},"required":["v","w"]}"##),
        ("anyOf objects", ##"{"anyOf":[{"type":"object","properties":{"cat":{"type":"string","maxLength":6}},"required":["cat"],"additionalProperties":false},{"type":"object","properties":{"dog":{"type":"integer"}},"required":["dog"],"additionalProperties":false}]}"##),
        ("refs", ##"{"$defs":{"Point":{"type":"object","properties":{"x":{"type":"number"},"y":{"type":"number"}},"required":["x","y"]}},"type":"object","properties":{"from":{"$ref":"#/$defs/Point"},"to":{"$ref":"#/$defs/Point"}},"required":["from","to"]}"##),
        ("recursive", ##"{"$defs":{"Node":{"type":"object","properties":{"value":{"type":"integer"},"children":{"type":"array","items":{"$ref":"#/$defs/Node"},"maxItems":2}},"required":["value"]}},"$ref":"#/$defs/Node"}"##),
        ("free object", ##"{"type":"object","additionalProperties":{"type":"integer"},"maxProperties":3}"##),
        ("any value", ##"{"type":"object","properties":{"payload":{}},"required":["payload"]}"##),
        ("pydantic", ##"{"properties":{"title":{"title":"Title","type":"string","maxLength":30},"year":{"title":"Year","type":"integer"},"genres":{"items":{"type":"string","maxLength":12},"title":"Genres","type":"array","maxItems":3}},"required":["title","year","genres"],"title":"Movie","type":"object","additionalProperties":false}"##),
        ("booleans list", ##"{"type":"array","items":{"type":"boolean"},"minItems":2,"maxItems":5}"##),
        ("top-level string", ##"{"type":"string","maxLength":15}"##),
        ("escapes", ##"{"type":"object","properties":{"a\"b":{"type":"string","maxLength":4},"é":{"type":"integer"}},"required":["a\"b","é"]}"##),
        ("definitions allOf", ##"{"definitions":{"Level":{"type":"string","enum":["low","high"]}},"type":"object","properties":{"level":{"allOf":[{"$ref":"#/definitions/Level"}],"description":"how much"}},"required":["level"]}"##),
    ]

    static func schema(_ name: String) -> JSONValue {
        try! JSONValue(parsing: schemas.first { $0.name == name }!.text)
    }
}
