/// `fcfs`: naive co-serving. One queue in arrival order with no classes, a static token budget
/// and chunked prefill; a request is preempted (by recompute, youngest first) only when the KV
/// pool runs out. The non-preemptive upper bound on offline throughput.
final class FCFSPolicy: Policy {
    var separatesClasses: Bool { false }
}
