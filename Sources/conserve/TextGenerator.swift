import Foundation
import LlamaModel

/// One sequence at a time through the forward pass: the loop behind `generate`, `logprobs`
/// and the single-stream benchmarks. (The engine drives many sequences; this is its simplest case.)
final class TextGenerator {
    let model: LoadedModel
    let forward: ForwardPass
    let kv: KVPool
    let contextLength: Int
    private var batch = ForwardBatch()
    private let blockTable: [Int32]

    init(model: LoadedModel, threads: Int, contextLength: Int, maxTokens: Int = 512, maxLogitRows: Int = 64) throws {
        self.model = model
        self.contextLength = min(contextLength, model.config.contextLength)
        forward = try model.makeForwardPass(maxTokens: maxTokens, maxLogitRows: maxLogitRows, threads: threads)
        let blocks = (self.contextLength + 15) / 16
        kv = KVPool(config: model.config, blockCount: blocks)
        blockTable = (0 ..< blocks).map(Int32.init)
    }

    /// Runs `ids` at positions `start...` in chunks; calls `onLogits(position, logits)` for
    /// every position when `allLogits`, else only for the last one.
    func prefill(_ ids: [Int32], startPosition: Int = 0, allLogits: Bool = false,
                 onLogits: (Int, UnsafeMutableBufferPointer<Float>) -> Void) throws {
        guard startPosition + ids.count <= contextLength else {
            throw GenerationError.contextFull(tokens: startPosition + ids.count, context: contextLength)
        }
        let chunk = allLogits ? min(forward.maxTokens, forward.maxLogitRows) : forward.maxTokens
        var done = 0
        while done < ids.count {
            let n = min(chunk, ids.count - done)
            let last = done + n == ids.count
            batch.removeAll()
            batch.add(tokens: ids[done ..< done + n], startPosition: startPosition + done, blockTable: blockTable,
                      logits: allLogits ? .all : (last ? .last : .none))
            try forward.run(batch, kv: kv)
            if allLogits {
                for r in 0 ..< n { onLogits(startPosition + done + r, forward.logits(row: r)) }
            } else if last {
                onLogits(startPosition + ids.count - 1, forward.logits(row: 0))
            }
            done += n
        }
    }

    /// Decodes one token at `position`, returning its logits.
    func decode(_ token: Int32, position: Int) throws -> UnsafeMutableBufferPointer<Float> {
        guard position < contextLength else { throw GenerationError.contextFull(tokens: position + 1, context: contextLength) }
        batch.removeAll()
        batch.add(tokens: CollectionOfOne(token), startPosition: position, blockTable: blockTable, logits: .last)
        try forward.run(batch, kv: kv)
        return forward.logits(row: 0)
    }
}

enum GenerationError: Error, CustomStringConvertible {
    case contextFull(tokens: Int, context: Int)
    case emptyPrompt

    var description: String {
        switch self {
        case let .contextFull(tokens, context): "\(tokens) tokens do not fit the context of \(context) tokens; shorten the prompt or lower --max-tokens"
        case .emptyPrompt: "the prompt is empty after tokenization"
        }
    }
}
