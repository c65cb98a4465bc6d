import Engine
import Foundation
import LlamaModel
import Scheduling
import Testing
import Tokenization

/// The scheduler and the real model executor, stepped by the test on a fake clock: every
/// scheduling decision is scripted, every token comes from the model.
final class ModelHarness {
    let scheduler: Scheduler
    let executor: ModelExecutor
    let checkpointer: Checkpointer?
    var now = 0.0
    private(set) var outputs: [RequestID: [Int32]] = [:]
    private(set) var plans: [SchedulerOutput] = []

    init(policy: SchedulingPolicy, kvBlocks: Int = 64, checkpoint: ((KVPool) throws -> any CheckpointStore)? = nil,
         maxNumSequences: Int = 8, prefixCaching: Bool = true, maxNumBatchedTokens: Int = 64) throws {
        let model = try EngineTestSupport.model.get()
        let kv = KVPool(config: model.config, blockCount: kvBlocks)
        let checkpointer = try checkpoint.map { store in
            Checkpointer(store: try store(kv), kv: kv)
        }
        self.checkpointer = checkpointer
        executor = ModelExecutor(forward: try EngineTestSupport.forwardPass(), kv: kv, checkpointer: checkpointer)
        scheduler = Scheduler(SchedulerConfiguration(
            policy: policy, blockCount: kvBlocks, checkpointSlots: checkpointer?.store.slotCount ?? 0,
            maxNumBatchedTokens: maxNumBatchedTokens, maxNumSequences: maxNumSequences, maxModelLength: 2048,
            prefixCaching: prefixCaching))
    }

    func add(_ id: RequestID, _ serviceClass: ServiceClass = .offline, prompt: [Int32], maxTokens: Int) throws {
        try scheduler.add(id: id, serviceClass: serviceClass, prompt: prompt, stopRules: TokenStopRules(maxTokens: maxTokens),
                          executorSettings: ModelRequestSettings(sampling: .greedy), arrival: now)
    }

    @discardableResult
    func step() throws -> SchedulerOutput {
        let plan = scheduler.schedule(now: now)
        plans.append(plan)
        let result = try executor.execute(plan)
        now += 0.01
        for event in scheduler.update(plan, with: result, now: now).tokens {
            outputs[event.requestID, default: []].append(event.token)
        }
        return plan
    }

    func outputsAppend(_ token: Int32, to id: RequestID = 1) { outputs[id, default: []].append(token) }

    func runUntilIdle() throws {
        var steps = 0
        while scheduler.hasWork, steps < 2000 {
            try step()
            steps += 1
        }
        checkpointer?.waitUntilIdle()
        #expect(!scheduler.hasWork)
        #expect(scheduler.integrityViolation() == nil)
        #expect(scheduler.kv.pool.freeCount == scheduler.kv.pool.blockCount)
        #expect(scheduler.checkpoints.freeCount == scheduler.checkpoints.slotCount)
    }
}

/// Greedy tokens for `prompt` computed without the engine: one sequence, its own KV pool.
func referenceGreedy(_ prompt: [Int32], count: Int) throws -> [Int32] {
    let model = try EngineTestSupport.model.get()
    let forward = try EngineTestSupport.forwardPass()
    let kv = KVPool(config: model.config, blockCount: (prompt.count + count) / 16 + 1)
    let table = (0 ..< Int32(kv.blockCount))
    var batch = ForwardBatch()
    var output: [Int32] = []
    var position = 0
    var pending = prompt[...]
    while output.count < count {
        let chunk = pending.prefix(forward.maxTokens)
        batch.removeAll()
        batch.add(tokens: chunk, startPosition: position, blockTable: table, logits: .last)
        try forward.run(batch, kv: kv)
        position += chunk.count
        pending = pending.dropFirst(chunk.count)
        guard pending.isEmpty else { continue }
        let next = Sampler.argmax(UnsafeBufferPointer(forward.logits(row: 0)))
        output.append(next)
        pending = [next]
    }
    return output
}

/// Prompts of real text, tokenized, so greedy outputs are natural continuations.
func textPrompt(_ index: Int, minimumTokens: Int = 0) throws -> [Int32] {
    let tokenizer = try EngineTestSupport.tokenizer()
    let texts = [
        "The history of the printing press begins in",
        "def fibonacci(n):\n    \"\"\"Return the n-th Fibonacci number.\"\"\"\n",
        "Photosynthesis is the process by which green plants",
        "Once upon a time, in a small village by the sea, there lived",
        "The three laws of thermodynamics state that",
        "To make a good cup of tea, first",
    ]
    var text = texts[index % texts.count]
    while tokenizer.encode(text).count < minimumTokens { text += " " + texts[(index + 1) % texts.count] }
    return tokenizer.encode(text)
}

extension EngineTestSupport {
    /// A forward pass over the default model sized for the tests' steps.
    static func forwardPass() throws -> ForwardPass {
        try model.get().makeForwardPass(maxTokens: 256, maxLogitRows: 16, threads: 2)
    }

    static func tokenizer() throws -> Tokenizer { try Tokenizer(gguf: model.get().file) }
}
