import Scheduling

/// The simulated executor (DESIGN §3): carries out plans on a virtual clock. It samples a
/// token for each chunk that samples, ending each request at its trace length with
/// `endOfText`; it times each step with the cost model (plus seeded noise), restores and saves
/// as transfers on the checkpoint link, and abandons a preemptible step at the first safepoint
/// after a preemption signal.
///
/// The caller (`Simulator`) sets `now` before each step, may call `prepare` to learn when the
/// step would end (to decide on a preemption signal) and reads `lastStep` afterwards: the
/// scheduler only ever sees the `Executor` seam.
public struct SimulatedExecutor: Executor {
    /// The token that ends a request (the scheduler's stop rules list it as end of generation).
    public static let endOfText: Int32 = 2
    static let ordinaryToken: Int32 = 7

    public let costModel: CostModel
    /// Standard deviation of the multiplicative noise on each step's true time (0: none).
    public let stepNoise: Double
    public var now = 0.0
    /// When a preemption signal was raised for the step about to run; cleared by `execute`.
    public var preemptionSignal: Double?
    public private(set) var lastStep: (start: Double, end: Double, outcome: StepOutcome)?
    /// Seconds of compute thrown away by abandoned steps, and of all steps.
    public private(set) var wastedSeconds = 0.0
    public private(set) var busySeconds = 0.0
    /// Flag raised → step returned, for each abandoned step.
    public private(set) var preemptionLatencies: [Double] = []

    private var link: TransferLink
    private var random: SplitMix
    private var outputLengths: [RequestID: Int] = [:]
    private var produced: [RequestID: Int] = [:]
    private var prepared: (plan: UInt64, timing: StepTiming)?

    public init(costModel: CostModel, stepNoise: Double = 0, seed: UInt64 = 0) {
        self.costModel = costModel
        self.stepNoise = stepNoise
        link = TransferLink(bytesPerSecond: costModel.linkBytesPerSecond.value)
        random = SplitMix(state: seed ^ 0x5EED_C0DE)
    }

    /// Requests the executor holds state for (a test checks retirements empty it).
    public var knownRequests: Int { outputLengths.count }
    public var linkBytesMoved: Double { link.bytesMoved }

    /// Times the plan from `now`: restores first on the link, then the forward pass; the saves
    /// queue behind them on the link and overlap the forward pass.
    public mutating func prepare(_ plan: SchedulerOutput) -> (end: Double, preemptible: Bool) {
        if let prepared, prepared.plan == plan.step { return (prepared.timing.end, plan.preemptible) }
        var features = StepFeatures()
        for chunk in plan.chunks { features.add(newTokens: chunk.numScheduledTokens, cachedTokens: chunk.startPosition) }
        var compute = plan.chunks.isEmpty ? 0 : costModel.seconds(features)
        if stepNoise > 0, compute > 0 { compute *= max(0.05, 1 + stepNoise * random.nextGaussian()) }
        let restored = link.transfer(Double(plan.restores.count) * costModel.blockBytes, at: now)
        _ = link.transfer(Double(plan.saves.count) * costModel.blockBytes, at: restored)
        let layers = max(1, Int(costModel.layers.value))
        let timing = StepTiming(start: now, computeStart: plan.chunks.isEmpty ? now : restored, compute: compute,
                                layers: layers, layersPerGroup: min(layers, max(1, Int(costModel.safepointEveryLayers.value))),
                                checkSeconds: plan.preemptible ? costModel.safepointCheckSeconds.value : 0)
        prepared = (plan.step, timing)
        return (timing.end, plan.preemptible)
    }

    public mutating func execute(_ plan: SchedulerOutput) throws -> StepResult {
        _ = prepare(plan)
        let timing = prepared!.timing
        prepared = nil
        defer { preemptionSignal = nil }
        for new in plan.newRequests {
            outputLengths[new.id] = (new.settings as? SimulatedRequestSettings)?.outputTokens ?? Int.max
            produced[new.id] = 0
        }
        for id in plan.retiredRequestIDs {
            outputLengths[id] = nil
            produced[id] = nil
        }
        if plan.preemptible, let signal = preemptionSignal, let abandoned = timing.abandonment(signal: signal) {
            lastStep = (timing.start, abandoned.at, .preempted(afterLayer: abandoned.afterLayer))
            wastedSeconds += abandoned.at - timing.start
            preemptionLatencies.append(abandoned.at - signal)
            return StepResult(outcome: .preempted(afterLayer: abandoned.afterLayer))
        }
        var samples: [RequestID: Int32] = [:]
        for chunk in plan.chunks where chunk.samples {
            let count = produced[chunk.requestID, default: 0] + 1
            produced[chunk.requestID] = count
            samples[chunk.requestID] = count >= outputLengths[chunk.requestID, default: .max] ? Self.endOfText : Self.ordinaryToken
        }
        let outcome = StepOutcome.completed(samples: samples)
        lastStep = (timing.start, timing.end, outcome)
        busySeconds += timing.end - timing.start
        return StepResult(outcome: outcome)
    }
}
