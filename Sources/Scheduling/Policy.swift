/// A scheduling policy's rules: the questions `Scheduler.schedule(now:)` asks while it builds a
/// step. The loop itself (running requests first, then admissions, then work after the plan)
/// is the same for every policy; one type per policy answers the questions (DESIGN §2):
/// `FCFSPolicy`, `PriorityPolicy`, `ConServePolicy`, `EcoServePolicy`. What most of them share
/// is the default in the extension below.
///
/// A class, because a policy may keep state of its own (EcoServe's reservations and length
/// predictions) and the scheduler that owns it hands itself to the hooks that need its queues.
protocol Policy: AnyObject {
    /// Online requests go ahead of offline ones in every queue and never become victims for
    /// them (every policy but `fcfs`).
    var separatesClasses: Bool { get }
    /// How a running offline request makes room for an online one.
    var offlineEviction: PreemptionKind { get }
    /// When a step in flight is abandoned between layers for an online arrival; nil when the
    /// policy never abandons steps.
    var layerPreemption: LayerPreemptionRule? { get }

    /// First thing each step, before any chunk is chosen.
    func beginStep(now: Double, scheduler: Scheduler)
    /// Order of the waiting queue (new, paused and preempted requests together).
    func queuedBefore(_ a: ScheduledRequest, _ b: ScheduledRequest) -> Bool
    /// The running requests in the order they get tokens this step.
    func runningOrder(_ running: [ScheduledRequest]) -> [ScheduledRequest]
    /// How many of the `n` tokens `request` has left (already within the token budget) it may
    /// run in a step that holds `step` so far.
    func chunkLimit(for request: ScheduledRequest, tokens n: Int, step: StepFeatures) -> Int
    /// The running request to give up first; `onlyOffline` when making room for an online
    /// arrival, nil when there is none to give up.
    func victim(among running: [ScheduledRequest], onlyOffline: Bool) -> ScheduledRequest?
    /// Admits waiting requests into the plan while it has room.
    func admitWaiting(into draft: inout Scheduler.PlanDraft, now: Double, scheduler: Scheduler)
    /// Work after the plan's chunks are set.
    func finishPlan(_ draft: inout Scheduler.PlanDraft, scheduler: Scheduler)
    /// `request` left the running set (preempted, finished or cancelled).
    func leftRunningSet(_ request: ScheduledRequest, scheduler: Scheduler)
    /// `request` is gone for good; `finished` when it ran to its end.
    func retired(_ request: ScheduledRequest, finished: Bool)
    /// The policy's own bookkeeping against the requests; nil when consistent.
    func integrityViolation(scheduler: Scheduler) -> String?
    /// Adds what the policy alone knows to a snapshot.
    func report(into snapshot: inout SchedulerSnapshot)
}

extension Policy {
    var offlineEviction: PreemptionKind { .recompute }
    var layerPreemption: LayerPreemptionRule? { nil }

    func beginStep(now: Double, scheduler: Scheduler) {}

    /// Online first (when classes are separate), then arrival.
    func queuedBefore(_ a: ScheduledRequest, _ b: ScheduledRequest) -> Bool {
        if separatesClasses, a.isOnline != b.isOnline { return a.isOnline }
        return a.sequenceNumber < b.sequenceNumber
    }

    /// Online first (when classes are separate), then admission order.
    func runningOrder(_ running: [ScheduledRequest]) -> [ScheduledRequest] {
        running.sorted(by: queuedBefore)
    }

    /// A static budget: everything the token budget allows.
    func chunkLimit(for request: ScheduledRequest, tokens n: Int, step: StepFeatures) -> Int { n }

    func victim(among running: [ScheduledRequest], onlyOffline: Bool) -> ScheduledRequest? {
        youngestVictim(among: running, onlyOffline: onlyOffline)
    }

    /// The youngest request that may be given up: an offline one when classes are separate,
    /// else any; when none is and `onlyOffline` is false, the youngest of all.
    func youngestVictim(among running: [ScheduledRequest], onlyOffline: Bool) -> ScheduledRequest? {
        let candidates = separatesClasses ? running.filter { !$0.isOnline } : running
        if let youngest = candidates.max(by: { $0.sequenceNumber < $1.sequenceNumber }) { return youngest }
        guard !onlyOffline else { return nil }
        return running.max(by: { $0.sequenceNumber < $1.sequenceNumber })
    }

    func admitWaiting(into draft: inout Scheduler.PlanDraft, now: Double, scheduler: Scheduler) {
        scheduler.admitInQueueOrder(into: &draft)
    }

    func finishPlan(_ draft: inout Scheduler.PlanDraft, scheduler: Scheduler) {}
    func leftRunningSet(_ request: ScheduledRequest, scheduler: Scheduler) {}
    func retired(_ request: ScheduledRequest, finished: Bool) {}
    func integrityViolation(scheduler: Scheduler) -> String? { nil }
    func report(into snapshot: inout SchedulerSnapshot) {}
}

extension SchedulingPolicy {
    /// The rules of this policy, for a scheduler built with `configuration`.
    func makeRules(_ configuration: SchedulerConfiguration) -> any Policy {
        switch self {
        case .fcfs: FCFSPolicy()
        case .priority: PriorityPolicy()
        case .conserve: ConServePolicy(configuration)
        case .ecoserve: EcoServePolicy(configuration)
        }
    }
}
