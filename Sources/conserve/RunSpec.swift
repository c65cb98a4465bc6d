import ArgumentParser
import Scheduling

/// One column of `bench serve` and `simulate`: a policy with the mechanisms it runs, by the name
/// a user writes in `--policies`.
///
/// - `online-only`: `conserve` without offline work, the yardstick of online latency;
/// - `fcfs`, `priority`, `conserve`, `ecoserve`: the policies as the engine runs them;
/// - `priority@N`: `priority` at a static budget of N tokens a step (what a vLLM user tunes by hand);
/// - `conserve-budget`: the SLO-aware budget alone (no layer preemption, no checkpoints), and
///   `conserve-layer`: the budget and layer preemption (no checkpoints); with `conserve` they
///   are the paper's ablation.
struct RunSpec: Equatable {
    var label: String
    var policy: SchedulingPolicy
    var layerPreemption = true
    var checkpoints = true
    /// Overrides the static token budget.
    var maxNumBatchedTokens: Int?
    var withoutOffline = false

    static let ablations = ["conserve-budget", "conserve-layer"]

    init(label: String, policy: SchedulingPolicy) {
        self.label = label
        self.policy = policy
    }

    init(parsing name: String) throws {
        switch name {
        case "online-only":
            self.init(label: name, policy: .conserve)
            withoutOffline = true
        case "conserve-budget":
            self.init(label: name, policy: .conserve)
            layerPreemption = false
            checkpoints = false
        case "conserve-layer":
            self.init(label: name, policy: .conserve)
            checkpoints = false
        default:
            if name.hasPrefix("priority@") {
                guard let budget = Int(name.dropFirst("priority@".count)), budget > 0 else {
                    throw ValidationError("'\(name)' in --policies: write priority@N with N a positive token budget")
                }
                self.init(label: name, policy: .priority)
                maxNumBatchedTokens = budget
            } else if let policy = SchedulingPolicy(rawValue: name) {
                self.init(label: name, policy: policy)
            } else {
                let known = ["online-only"] + SchedulingPolicy.allCases.map(\.rawValue) + ["priority@N"] + Self.ablations
                throw ValidationError("unknown run '\(name)' in --policies (\(known.joined(separator: ", ")))")
            }
        }
    }

    /// The runs a comma-separated `--policies` names.
    static func parse(list: String) throws -> [RunSpec] {
        try list.split(separator: ",").map { $0.trimmingCharacters(in: .whitespaces) }.filter { !$0.isEmpty }.map(RunSpec.init(parsing:))
    }
}
