import Scheduling

/// What the latency model says the engine can do, used to set a run's online load and its
/// default objectives.
public struct EngineCapacity: Sendable {
    public let predictor: any StepTimePredictor
    /// Tokens per step at most (the engine's static budget).
    public let budget: Int

    public init(predictor: any StepTimePredictor, budget: Int) {
        self.predictor = predictor
        self.budget = budget
    }

    /// Engine seconds one request takes: its prompt prefilled alone in chunks of the budget,
    /// and each output token at the marginal cost of one more sequence in a decode step (decodes
    /// share steps, so the fixed cost of a step is not theirs). Attention makes both grow with
    /// context, which matters on this engine: a 256-token chunk at 1,000 cached positions
    /// costs more than twice one at none.
    public func workSeconds(prompt: Int, output: Int) -> Double {
        guard output > 0 else { return prefillSeconds(prompt) }
        let context = prompt + (output - 1) / 2
        let one = StepFeatures().adding(newTokens: 1, cachedTokens: context)
        let marginal = predictor.predict(one.adding(newTokens: 1, cachedTokens: context)) - predictor.predict(one)
        return prefillSeconds(prompt) + Double(output) * max(marginal, 0)
    }

    /// Predicted seconds to prefill `tokens` alone, in chunks of the budget.
    public func prefillSeconds(_ tokens: Int) -> Double {
        predictor.prefillSeconds(promptTokens: tokens, chunk: budget)
    }

    /// Objectives derived from the profile for prompts of `promptTokens` (a high percentile of
    /// the workload's): TTFT may take 3× the prompt's prefill alone, which leaves room to queue
    /// behind another prompt; TPOT may take a step that carries half the token budget as a
    /// prefill chunk beside four decodes, so online prefill goes on at a useful pace while
    /// others decode (a smaller chunk makes every step's fixed cost and every prompt's wait larger).
    public func defaultObjective(promptTokens: Int, context: Int) -> ServiceLevelObjective {
        var step = StepFeatures()
        step.add(newTokens: budget / 2, cachedTokens: 0)
        for _ in 0 ..< 4 { step.add(newTokens: 1, cachedTokens: context) }
        return ServiceLevelObjective(ttft: 3 * prefillSeconds(promptTokens), tpot: predictor.predict(step))
    }
}
