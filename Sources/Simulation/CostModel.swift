import Foundation
import Scheduling

/// The simulator's "true" cost of a step and the hardware it runs on (DESIGN §3, docs/SIMULATOR.md):
///
/// `T = a0 + max(W, b + a1·P) + a2·Σ p_i·(c_i + p_i/2) + a3·Σ c_i + a4·N`
///
/// The scheduler's latency model without W and b; W is the floor of reading every weight once
/// per step, which on a GPU makes a small step cost as much as a 200-token one. With W = b = 0
/// it is exactly the `LatencyModel` form, which is how the `cpu` model carries this machine's profile.
/// Every number is a `SourcedValue`: the JSON files say where each comes from.
public struct CostModel: Sendable, Codable, Hashable, StepTimePredictor {
    public var name: String
    public var description: String
    /// a0: fixed cost of a step, seconds.
    public var perStep: SourcedValue
    /// W: time to read the weights once, seconds (0 on the CPU profile, where a1 absorbs it).
    public var weightReadFloor: SourcedValue
    /// b: intercept of the compute-bound part, seconds.
    public var computeIntercept: SourcedValue
    /// a1: seconds per token of the step.
    public var perToken: SourcedValue
    /// a2: seconds per unit of attention work (one new token attending one position).
    public var perAttentionPosition: SourcedValue
    /// a3: seconds per cached position read.
    public var perContextPosition: SourcedValue
    /// a4: seconds per sequence.
    public var perSequence: SourcedValue

    /// Transformer layers, and how many run between two preemption safepoints.
    public var layers: SourcedValue
    public var safepointEveryLayers: SourcedValue
    /// Seconds one safepoint check costs (reading the flag; with tensor parallelism, agreeing on it).
    public var safepointCheckSeconds: SourcedValue

    /// KV bytes one token takes (all layers), and the KV pool in blocks of `blockSize` tokens.
    public var kvBytesPerToken: SourcedValue
    public var kvBlocks: SourcedValue
    public var blockSize: SourcedValue
    /// The checkpoint tier: bytes, and the link KV travels on to and from it, bytes per second.
    public var checkpointBytes: SourcedValue
    public var linkBytesPerSecond: SourcedValue

    /// Engine limits the model is meant to be run with (the paper's, or this machine's defaults).
    public var maxNumBatchedTokens: SourcedValue
    public var maxNumSequences: SourcedValue
    public var maxModelLength: SourcedValue

    /// Seconds a step with these features takes on the modelled hardware (no safepoint checks,
    /// no transfers: the executor adds those).
    public func seconds(_ f: StepFeatures) -> Double {
        perStep.value + max(weightReadFloor.value, computeIntercept.value + perToken.value * f.tokens)
            + perAttentionPosition.value * f.attention + perContextPosition.value * f.context
            + perSequence.value * f.sequences
    }

    public func predict(_ features: StepFeatures) -> Double {
        max(seconds(features), LatencyModel.minimumPrediction)
    }

    public var blockBytes: Double { kvBytesPerToken.value * blockSize.value }
    public var checkpointSlots: Int { blockBytes > 0 ? Int(checkpointBytes.value / blockBytes) : 0 }

    /// What is wrong with the numbers, or nil: every value finite and non-negative, the
    /// counts at least 1.
    public func validationError() -> String? {
        let all: [(String, SourcedValue)] = [
            ("perStep", perStep), ("weightReadFloor", weightReadFloor), ("computeIntercept", computeIntercept),
            ("perToken", perToken), ("perAttentionPosition", perAttentionPosition),
            ("perContextPosition", perContextPosition), ("perSequence", perSequence), ("layers", layers),
            ("safepointEveryLayers", safepointEveryLayers), ("safepointCheckSeconds", safepointCheckSeconds),
            ("kvBytesPerToken", kvBytesPerToken), ("kvBlocks", kvBlocks), ("blockSize", blockSize),
            ("checkpointBytes", checkpointBytes), ("linkBytesPerSecond", linkBytesPerSecond),
            ("maxNumBatchedTokens", maxNumBatchedTokens), ("maxNumSequences", maxNumSequences),
            ("maxModelLength", maxModelLength),
        ]
        for (name, v) in all where !(v.value.isFinite && v.value >= 0) { return "\(name) is \(v.value); it must be finite and non-negative" }
        for (name, v) in all where ["layers", "safepointEveryLayers", "kvBlocks", "blockSize", "maxNumBatchedTokens",
                                    "maxNumSequences", "maxModelLength", "linkBytesPerSecond"].contains(name) && v.value < 1 {
            return "\(name) is \(v.value); it must be at least 1"
        }
        if source(of: perToken).isEmpty { return "perToken has no source" }
        return nil
    }

    private func source(of value: SourcedValue) -> String { value.source.trimmingCharacters(in: .whitespaces) }
}
