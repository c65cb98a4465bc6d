import Testing
import LlamaModel

/// A sequence's greedy tokens do not depend on what else shares its steps.
@Suite struct BatchInvarianceTests {
    /// Greedy-decodes `steps` tokens for each prompt. When `together`, all prompts are
    /// prefilled in one mixed step and decoded side by side; otherwise each runs alone.
    static func greedy(_ prompts: [[Int32]], steps: Int, together: Bool, forward: ForwardPass, kv: KVPool) throws -> [[Int32]] {
        let blocksPerSequence = 8
        func table(_ s: Int) -> Range<Int32> { Int32(s * blocksPerSequence) ..< Int32((s + 1) * blocksPerSequence) }
        var outputs = [[Int32]](repeating: [], count: prompts.count)
        var batch = ForwardBatch()
        let groups: [[Int]] = together ? [Array(prompts.indices)] : prompts.indices.map { [$0] }
        for group in groups {
            batch.removeAll()
            for s in group { batch.add(tokens: prompts[s], startPosition: 0, blockTable: table(s), logits: .last) }
            try forward.run(batch, kv: kv)
            for (row, s) in group.enumerated() { outputs[s].append(Sampler.argmax(UnsafeBufferPointer(forward.logits(row: row)))) }
            for step in 0 ..< steps - 1 {
                batch.removeAll()
                for s in group {
                    batch.add(tokens: CollectionOfOne(outputs[s].last!), startPosition: prompts[s].count + step, blockTable: table(s), logits: .last)
                }
                try forward.run(batch, kv: kv)
                for (row, s) in group.enumerated() { outputs[s].append(Sampler.argmax(UnsafeBufferPointer(forward.logits(row: row)))) }
            }
        }
        return outputs
    }

    @Test func sameGreedyTokensAloneAndBatched() throws {
        let model = try TestSupport.model.get()
        let fixture = try TestSupport.reference()
        // Prompts of different lengths (5 to 38 tokens), one of them twice at different block tables.
        let prompts = fixture.generate.map(\.prompt_ids) + [fixture.generate[0].prompt_ids]
        let forward = try model.makeForwardPass(maxTokens: 256, maxLogitRows: 16, threads: 2)
        let kv = KVPool(config: model.config, blockCount: 8 * prompts.count)
        let alone = try Self.greedy(prompts, steps: 12, together: false, forward: forward, kv: kv)
        let batched = try Self.greedy(prompts, steps: 12, together: true, forward: forward, kv: kv)
        #expect(alone == batched)
        #expect(alone[0] == alone[prompts.count - 1])
        // Along the exact path where it is unambiguous, the engine agrees with the reference.
        let exact = fixture.generate[0].exact
        #expect(Array(alone[0].prefix(3)) == Array(exact.greedy_ids.prefix(3)))
    }

    @Test func invalidBatchesAreTypedErrors() throws {
        let model = try TestSupport.model.get()
        let forward = try model.makeForwardPass(maxTokens: 8, maxLogitRows: 2, threads: 1)
        let kv = KVPool(config: model.config, blockCount: 2)
        var batch = ForwardBatch()
        batch.add(tokens: [1, 2, 3], startPosition: 0, blockTable: [0])
        #expect(throws: ModelError.self) { _ = try forward.run(ForwardBatch(), kv: kv) }
        batch.removeAll()
        batch.add(tokens: [Int32(model.config.vocabularySize)], startPosition: 0, blockTable: [0])
        #expect(throws: ModelError.self) { try forward.run(batch, kv: kv) }
        batch.removeAll()
        batch.add(tokens: [1], startPosition: 40, blockTable: [0, 1])
        #expect(throws: ModelError.self) { try forward.run(batch, kv: kv) }
        batch.removeAll()
        batch.add(tokens: [1], startPosition: 0, blockTable: [5])
        #expect(throws: ModelError.self) { try forward.run(batch, kv: kv) }
        batch.removeAll()
        batch.add(tokens: Array(repeating: 1, count: 9), startPosition: 0, blockTable: [0])
        #expect(throws: ModelError.batchTooLarge(tokens: 9, capacity: 8)) { try forward.run(batch, kv: kv) }
    }

    @Test func preemptionStopsBetweenLayers() throws {
        let model = try TestSupport.model.get()
        let forward = try model.makeForwardPass(maxTokens: 16, maxLogitRows: 2, threads: 2)
        let kv = KVPool(config: model.config, blockCount: 2)
        var batch = ForwardBatch()
        batch.add(tokens: [504, 3575, 282], startPosition: 0, blockTable: [0])
        let signal = PreemptionSignal()
        signal.raise()
        #expect(try forward.run(batch, kv: kv, preemption: signal) == .preempted(afterLayer: 1))
        signal.clear()
        #expect(try forward.run(batch, kv: kv, preemption: signal) == .completed)
    }
}
