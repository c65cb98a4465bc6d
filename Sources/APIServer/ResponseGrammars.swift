import Engine
import Grammar
import OpenAIAPI
import Synchronization
import Tokenization

/// Turns a request's `response_format` into the compiled grammar its decoding follows.
/// Compiled grammars (and the token masks they cache) are kept per schema text, so the lines
/// of a batch that share a schema share its masks. The vocabulary index is built on first
/// use, not at startup.
final class ResponseGrammars: Sendable {
    let tokenizer: Tokenizer
    private let built = Mutex<GrammarRegistry?>(nil)

    init(tokenizer: Tokenizer) { self.tokenizer = tokenizer }

    /// The grammar for `format`; nil for free text. A schema this engine cannot enforce is a
    /// 400 that names the feature.
    func grammar(for format: ResponseFormat?) throws(APIError) -> TokenGrammar? {
        switch format {
        case nil, .text?: return nil
        case .jsonObject?:
            return try registry().grammar(for: "json_object") { () throws(APIError) in JSONSchemaCompiler.anyObject() }
        case .jsonSchema(let schemaFormat)?:
            return try registry().grammar(for: "json_schema " + schemaFormat.schema.compactText) { () throws(APIError) in
                do throws(SchemaError) {
                    return try JSONSchemaCompiler.compile(schema: schemaFormat.schema)
                } catch {
                    let param = "response_format.json_schema.schema"
                    switch error.kind {
                    case .unsupported: throw APIError.unsupported(param: param, error.description)
                    case .invalid: throw APIError.invalidValue(param: param, error.description)
                    }
                }
            }
        }
    }

    /// The grammar of a tool-calling answer (`ToolCallPlan.constraint`): the schema's JSON,
    /// inside the frame if there is one. A parameter schema it cannot enforce is a 400 on `tools`.
    func grammar(forToolAnswer schema: JSONValue, framedBy frame: TextFrame? = nil) throws(APIError) -> TokenGrammar {
        let key = frame.map { "tools framed \($0.prefix.debugDescription) \($0.suffix.debugDescription) "
            + "\($0.separator.debugDescription) \($0.count) " } ?? "tools "
        return try registry().grammar(for: key + schema.compactText) { () throws(APIError) in
            do throws(SchemaError) {
                if let frame { return try JSONSchemaCompiler.compile(schema: schema, framedBy: frame) }
                return try JSONSchemaCompiler.compile(schema: schema)
            } catch {
                throw APIError.unsupported(param: "tools", "a function's parameters: " + error.description)
            }
        }
    }

    private func registry() -> GrammarRegistry {
        built.withLock { built in
            if let built { return built }
            let made = GrammarRegistry(vocabulary: TokenVocabulary(tokenizer: tokenizer))
            built = made
            return made
        }
    }
}
