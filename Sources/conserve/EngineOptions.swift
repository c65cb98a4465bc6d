import ArgumentParser
import Engine
import Foundation
import Scheduling
import Units

extension SchedulingPolicy: ExpressibleByArgument {}

/// The engine flags, shared by every command that starts an engine (`serve`, `bench`).
struct EngineOptions: ParsableArguments {
    @Option(help: "Scheduling policy: fcfs, priority, conserve or ecoserve.")
    var policy: SchedulingPolicy = .conserve

    @Option(help: "Memory for the KV cache (e.g. 512MiB, 2GiB).")
    var kvCacheMemory: String = "1GiB"

    @Option(help: "Checkpoint tier budget for paused offline requests' KV (0 disables checkpointing).")
    var checkpointMemory: String = "512MiB"

    @Option(help: "Keep the checkpoint tier in a file in this directory instead of memory (same budget).")
    var checkpointDir: String?

    @Option(help: "Tokens per step at most.")
    var maxNumBatchedTokens: Int = 256

    @Option(help: "Requests in a step at most.")
    var maxNumSeqs: Int = 32

    @Option(help: "Positions per request at most (default: the model's context length).")
    var maxModelLen: Int?

    @Option(help: "Default time-to-first-token objective of online requests, in milliseconds (default 1000).")
    var sloTtftMs: Double?

    @Option(help: "Default time-per-output-token objective of online requests, in milliseconds (default 100).")
    var sloTpotMs: Double?

    @Flag(help: "Turn prefix caching off.")
    var noPrefixCaching = false

    @Flag(help: "conserve: never abandon an offline step between layers for an online arrival (the ablation).")
    var noLayerPreemption = false

    @Flag(help: "conserve: plan with the profiled latency model as fitted, without correcting it from measured steps.")
    var noLatencyCorrection = false

    func configuration(threads: Int) throws -> EngineConfiguration {
        var c = EngineConfiguration()
        c.policy = policy
        c.kvCacheBytes = try parse(kvCacheMemory, flag: "--kv-cache-memory")
        let checkpointBytes = try parse(checkpointMemory, flag: "--checkpoint-memory")
        if checkpointBytes == 0 {
            c.checkpoint = .none
        } else if let checkpointDir {
            c.checkpoint = .file(directory: checkpointDir, bytes: checkpointBytes)
        } else {
            c.checkpoint = .memory(bytes: checkpointBytes)
        }
        c.maxNumBatchedTokens = maxNumBatchedTokens
        c.maxNumSequences = maxNumSeqs
        c.maxModelLength = maxModelLen
        c.prefixCaching = !noPrefixCaching
        c.layerPreemption = !noLayerPreemption
        c.correctsLatencyOnline = !noLatencyCorrection
        c.threads = threads
        c.defaultObjective = ServiceLevelObjective(ttft: (sloTtftMs ?? 1000) / 1000, tpot: (sloTpotMs ?? 100) / 1000)
        if let problem = c.validationError() { throw ValidationError(problem) }
        return c
    }

    private func parse(_ text: String, flag: String) throws -> Int {
        do { return try ByteSize(parsing: text).bytes } catch { throw ValidationError("\(flag): \(error)") }
    }
}
