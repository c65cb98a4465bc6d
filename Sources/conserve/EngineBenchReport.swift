import Foundation

/// The figures of `conserve bench engine`, each beside its target.
struct EngineBenchReport: Codable {
    struct LatencyModelFigures: Codable {
        var heldOutMAPE: Double
        var heldOutMaxAPE: Double
        var fitSamples: Int
        var heldOutSamples: Int
        var seconds: Double
    }
    struct PreemptionFigures: Codable {
        var trials: Int
        var preempted: Int
        var stepTokens: Int
        var stepSeconds: Double
        var layerSeconds: Double
        var latencyP50: Double
        var latencyP99: Double
        var latencyMax: Double
        var p99OverLayer: Double
    }
    struct ResumeFigures: Codable {
        var contextTokens: Int
        var recomputeSeconds: Double
        var memoryResumeSeconds: Double
        var fileResumeSeconds: Double
        var restoredBlocks: Int
        var tailTokens: Int
        var memorySpeedup: Double
        var fileSpeedup: Double
        var restoredKVMatches: Bool
    }
    struct PolicyRun: Codable {
        var policy: String
        var round: Int
        var seconds: Double
        var tokens: Int
        var tokensPerSecond: Double
    }
    struct OverheadFigures: Codable {
        var requests: Int
        var runs: [PolicyRun]
        var fcfsTokensPerSecond: Double
        var conserveTokensPerSecond: Double
        var ratio: Double
    }
    struct PrefixCacheFigures: Codable {
        var prefixTokens: Int
        var trials: Int
        var firstTTFT: Double
        var secondTTFT: Double
        var speedup: Double
    }

    var latencyModel: LatencyModelFigures?
    var preemption: PreemptionFigures?
    var resume: ResumeFigures?
    var overhead: OverheadFigures?
    var prefixCache: PrefixCacheFigures?

    func table() -> String {
        func ms(_ s: Double) -> String { String(format: "%.2f ms", s * 1000) }
        var lines = ["| figure | measured | target |", "| --- | --- | --- |"]
        if let m = latencyModel {
            lines.append("| latency model, held-out MAPE (\(m.heldOutSamples) steps; max \(String(format: "%.1f%%", m.heldOutMaxAPE * 100))) | \(String(format: "%.2f%%", m.heldOutMAPE * 100)) | < 5% |")
        }
        if let p = preemption {
            lines.append("| preemption latency P99 (P50 \(ms(p.latencyP50)), \(p.preempted)/\(p.trials) steps of \(p.stepTokens) tokens) | \(ms(p.latencyP99)) = \(String(format: "%.2f", p.p99OverLayer))× a layer (\(ms(p.layerSeconds))) | ≤ 1.5× a layer |")
        }
        if let r = resume {
            lines.append("| resume \(r.contextTokens)-token context: recompute \(ms(r.recomputeSeconds)) vs memory checkpoint \(ms(r.memoryResumeSeconds)) | \(String(format: "%.1f", r.memorySpeedup))× faster | ≥ 10× |")
            lines.append("| same from the file checkpoint (\(ms(r.fileResumeSeconds))) | \(String(format: "%.1f", r.fileSpeedup))× faster | ≥ 10× |")
        }
        if let o = overhead {
            lines.append("| offline throughput, no online load: conserve \(String(format: "%.1f", o.conserveTokensPerSecond)) vs fcfs \(String(format: "%.1f", o.fcfsTokensPerSecond)) tok/s | \(String(format: "%.3f", o.ratio))× | ≥ 0.97× |")
        }
        if let c = prefixCache {
            lines.append("| TTFT with a \(c.prefixTokens)-token shared prefix: first \(ms(c.firstTTFT)), second \(ms(c.secondTTFT)) | \(String(format: "%.1f", c.speedup))× sooner | ≥ 5× |")
        }
        return lines.joined(separator: "\n") + "\n"
    }
}

extension Array where Element == Double {
    /// The q-quantile (0…1) by nearest rank.
    func quantile(_ q: Double) -> Double {
        guard !isEmpty else { return .nan }
        let s = sorted()
        return s[Swift.min(s.count - 1, Swift.max(0, Int((q * Double(s.count)).rounded(.up)) - 1))]
    }

    var median: Double { quantile(0.5) }
}
