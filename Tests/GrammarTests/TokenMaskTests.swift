import Foundation
import OpenAIAPI
import Testing
@testable import Grammar

@Suite struct TokenMaskTests {
    /// Walks each corpus schema with random allowed tokens of the synthetic vocabulary and, at
    /// every step, checks the cached and split mask against the brute-force one.
    @Test func cachedMasksEqualBruteForceMasks() throws {
        let vocabulary = GrammarTestSupport.syntheticVocabulary
        var checked = 0
        for (name, text) in SchemaCorpus.schemas {
            let grammar = TokenGrammar(grammar: try JSONSchemaCompiler.compile(schema: JSONValue(parsing: text)), vocabulary: vocabulary)
            for seed in 0..<3 {
                var random = SeededRandom(state: UInt64(seed) &* 7919 &+ UInt64(name.count))
                var cursor = GrammarCursor(grammar: grammar)
                for _ in 0..<60 {
                    let mask = cursor.allowedTokens()
                    let expected = GrammarTestSupport.bruteForceMask(grammar, cursor.state)
                    #expect(mask == expected, "\(name): masks differ at a state with \(cursor.state.stacks.count) stacks")
                    checked += 1
                    guard mask != expected ? false : true, let token = mask.allowedIDs.randomElement(using: &random) else { break }
                    if vocabulary.endTokens.contains(Int32(token)) { break }
                    cursor.accept(Int32(token))
                    #expect(!cursor.state.isDead)
                }
            }
        }
        #expect(checked > 500)
    }

    /// Random walks over SmolLM2's real vocabulary: every walk that ends (the end token
    /// chosen) parses as JSON and validates against its schema.
    @Test func randomWalksOverTheModelVocabularyValidate() throws {
        let vocabulary = try GrammarTestSupport.smolVocabulary()
        let registry = GrammarRegistry(vocabulary: vocabulary)
        for (name, text) in SchemaCorpus.schemas {
            let schema = try JSONValue(parsing: text)
            let grammar = try registry.grammar(for: text) { () throws(SchemaError) in try JSONSchemaCompiler.compile(schema: schema) }
            var completed = 0
            for seed in 0..<3 {
                var random = SeededRandom(state: UInt64(seed + 1) &* 104_729)
                var cursor = GrammarCursor(grammar: grammar)
                var bytes: [UInt8] = []
                var ended = false
                for step in 0..<300 {
                    let mask = cursor.allowedTokens()
                    let allowed = mask.allowedIDs
                    #expect(!allowed.isEmpty, "\(name): a live state allows no token")
                    // Bias towards ending, as a model's preference would: end tokens when allowed,
                    // and later on the shortest tokens (closing brackets and quotes are one byte).
                    let ends = allowed.filter { vocabulary.endTokens.contains(Int32($0)) }
                    if !ends.isEmpty && (step > 20 || Bool.random(using: &random)) {
                        ended = true
                        break
                    }
                    var pool = step > 40 ? allowed.filter { (vocabulary.tokenBytes[$0]?.count ?? 0) == 1 } : allowed
                    // Later still, closing quotes and brackets half of the time, so that walks end.
                    let closers = pool.filter { [UInt8(ascii: "\""), UInt8(ascii: "}"), UInt8(ascii: "]")].contains(vocabulary.tokenBytes[$0]?.first ?? 0) }
                    if step > 60, !closers.isEmpty, Bool.random(using: &random) { pool = closers }
                    guard let token = (pool.isEmpty ? allowed : pool).randomElement(using: &random) else { break }
                    if vocabulary.endTokens.contains(Int32(token)) {
                        ended = true
                        break
                    }
                    bytes += vocabulary.tokenBytes[token]!
                    cursor.accept(Int32(token))
                }
                guard ended else { continue }
                completed += 1
                let text = String(decoding: bytes, as: UTF8.self)
                let value = try? JSONValue(parsing: text)
                #expect(value != nil, "\(name): output does not parse: \(text)")
                if let value, let violation = SchemaValidator(root: schema).violation(value) {
                    Issue.record("\(name): \(text) violates the schema: \(violation)")
                }
            }
            #expect(completed >= 2, "\(name): only \(completed) of 3 walks ended")
        }
    }

    @Test func masksAreCachedAcrossSequences() throws {
        let vocabulary = GrammarTestSupport.syntheticVocabulary
        let grammar = TokenGrammar(grammar: try JSONSchemaCompiler.compile(schema: SchemaCorpus.schema("flat")), vocabulary: vocabulary)
        var first = GrammarCursor(grammar: grammar)
        for byte in Array(#"{"name":"ab"#.utf8) {
            _ = first.allowedTokens()
            first.accept(Int32(byte))
        }
        let computed = grammar.cacheCounts.stateMisses
        var second = GrammarCursor(grammar: grammar)
        for byte in Array(#"{"name":"cd"#.utf8) {
            _ = second.allowedTokens()
            second.accept(Int32(byte))
        }
        #expect(grammar.cacheCounts.stateMisses == computed, "the second sequence's states were all cached")
        #expect(grammar.cacheCounts.stateHits >= 10)
    }
}

/// Many schemas, one after another (as a schema fuzzer or a mixed batch sends them): the
/// registry's mask caches stay within its byte budget at each lookup, and a grammar's own caches
/// within its limit, while the masks stay right. Without the byte budget the registry held
/// 16 grammars' caches, about 13 MiB each on this vocabulary.
@Suite struct GrammarRegistryBudgetTests {
    @Test func manySchemasStayWithinTheByteBudget() throws {
        let vocabulary = try GrammarTestSupport.smolVocabulary()
        let budget = 2 << 20
        let registry = GrammarRegistry(vocabulary: vocabulary, capacity: 16, cacheBudget: budget)
        var single: [UInt8: Int] = [:]
        for (id, bytes) in vocabulary.tokenBytes.enumerated() where bytes?.count == 1 { single[bytes![0]] = single[bytes![0]] ?? id }
        for i in 0 ..< 40 {
            let text = #"{"type":"object","properties":{"k\#(i)":{"type":"string","maxLength":5},"n\#(i)":{"type":"integer"}},"required":["k\#(i)","n\#(i)"]}"#
            let schema = try JSONValue(parsing: text)
            let grammar = try registry.grammar(for: text) { () throws(SchemaError) in try JSONSchemaCompiler.compile(schema: schema) }
            // Each lookup brings the registry within its budget; the grammar in use may then add
            // up to its own limit (half the budget) until the next lookup.
            #expect(registry.cacheBytes <= budget, "after schema \(i): \(registry.cacheBytes) bytes")
            var cursor = GrammarCursor(grammar: grammar)
            // The answer byte by byte, each a one-byte token of the vocabulary, each allowed.
            for byte in Array(#"{"k\#(i)":"ab","n\#(i)":12}"#.utf8) {
                let token = try #require(single[byte])
                #expect(cursor.allowedTokens().contains(token))
                cursor.accept(Int32(token))
            }
            #expect(cursor.isComplete)
            #expect(grammar.cacheBytes <= budget / 2)
            #expect(registry.cacheBytes <= budget + budget / 2)
        }
    }
}
