import Foundation
import GGUF
import ModelFiles
import Testing
import Tokenization
@testable import Grammar

enum GrammarTestSupport {
    /// Every single byte plus multi-byte tokens that straddle JSON structure (a quote and a
    /// comma, a brace and a key…), so that masks are exercised where frames complete partway
    /// through a token. End token: the id after the last.
    static let syntheticVocabulary: TokenVocabulary = {
        var tokens: [[UInt8]?] = (0...255).map { [UInt8($0)] }
        let pieces = [
            "{\"", "\":", "\",", "\"}", "},{", "}]", "]}", "\"]", "[\"", "[{", "abc", "12", "3.5", "-1", "e+1",
            "\"name\":\"", "true", "false", "null", "null,", "true}", ",\"", "\":\"", "\":[", "00", "é", "\u{1F600}",
            "\\n", "\\u00e9", "\\ud800", "2024-", "-01-", "T12:", "00Z", "@ex", ".com", "1.2.3.4", "ab\"}", "\"}]}",
            "\"x\":1}", "[]", "{}", "],", "\"a\\\"b\":\"", "red", "\"red\"", "ff-", "aaaa", "} ", " {", "\n",
        ]
        for piece in pieces { tokens.append(Array(piece.utf8)) }
        tokens.append([0xE9]) // a lone Latin-1 byte: never valid UTF-8 on its own
        tokens.append(nil) // a control token
        return TokenVocabulary(tokenBytes: tokens, endTokens: [Int32(tokens.count)]).withEndSlot()
    }()

    static func smolVocabulary() throws -> TokenVocabulary {
        TokenVocabulary(tokenizer: try smolTokenizer())
    }

    static func smolTokenizer() throws -> Tokenizer {
        let path = (try? ModelStore.ensureDefaultModel { FileHandle.standardError.write(Data(($0 + "\n").utf8)) })
            ?? ModelStore.defaultModelPath
        return try Tokenizer(gguf: GGUFFile(path: path))
    }

    /// The tokens `state` allows, found the slow way: every token's bytes run through the
    /// matcher on their own. What the cached, split mask computation must agree with.
    static func bruteForceMask(_ grammar: TokenGrammar, _ state: GrammarState) -> TokenMask {
        var mask = TokenMask(count: grammar.vocabulary.count)
        for (id, bytes) in grammar.vocabulary.tokenBytes.enumerated() {
            guard let bytes, !bytes.isEmpty else { continue }
            if !grammar.matcher.advance(state, bytes: bytes).isDead { mask.insert(id) }
        }
        if state.isAccepting {
            for id in grammar.vocabulary.endTokens { mask.insert(Int(id)) }
        }
        return mask
    }
}

extension TokenVocabulary {
    /// The same tokens plus a nil slot for the end token id (one past the last).
    func withEndSlot() -> TokenVocabulary {
        TokenVocabulary(tokenBytes: tokenBytes + [nil], endTokens: endTokens)
    }
}

/// A small seeded generator (SplitMix64), so that random walks repeat.
struct SeededRandom: RandomNumberGenerator {
    var state: UInt64
    mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }
}
