import Foundation
import Testing
import LlamaModel

/// The forward pass against the exact float64 computation on the default model
/// (`Tests/Fixtures/README.md`, "The agreement that counts").
@Suite struct ReferenceAgreementTests {
    @Test func teacherForcedAlongTheExactGreedyPath() throws {
        let model = try TestSupport.model.get()
        let fixture = try TestSupport.reference()
        let forward = try model.makeForwardPass(maxTokens: 128, maxLogitRows: 128, threads: 2)
        let kv = KVPool(config: model.config, blockCount: 16)
        var batch = ForwardBatch()
        var worstDifference = 0.0
        for (n, c) in fixture.generate.enumerated() {
            let ids = c.prompt_ids + c.exact.greedy_ids
            batch.removeAll()
            batch.add(tokens: ids, startPosition: 0, blockTable: (0 ..< 8).map(Int32.init), logits: .all)
            try forward.run(batch, kv: kv)
            var logprobs = [Float](repeating: 0, count: model.config.vocabularySize)
            for s in 0 ..< c.exact.greedy_ids.count {
                let row = c.prompt_ids.count - 1 + s
                logprobs.withUnsafeMutableBufferPointer { out in
                    Sampler.logSoftmax(UnsafeBufferPointer(forward.logits(row: row)), into: out)
                }
                let best = Int32(logprobs.indices.max { logprobs[$0] < logprobs[$1] }!)
                if c.exact.top2_margins[s] >= 0.5 {
                    #expect(best == c.exact.greedy_ids[s], "case \(n) step \(s): top token \(best), exact \(c.exact.greedy_ids[s])")
                }
                if s < min(8, c.exact.steps.count) {
                    for pair in c.exact.steps[s].top {
                        let diff = abs(Double(logprobs[Int(pair[0])]) - pair[1])
                        worstDifference = max(worstDifference, diff)
                        #expect(diff <= 0.5, "case \(n) step \(s) token \(Int(pair[0])): \(logprobs[Int(pair[0])]) vs exact \(pair[1])")
                    }
                }
            }
        }
        print("largest top-10 log-probability difference from the exact reference: \(worstDifference)")
    }
}
