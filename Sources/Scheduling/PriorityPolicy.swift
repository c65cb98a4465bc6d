/// `priority`: what vLLM offers. Online requests go ahead of offline ones in every queue, under
/// a static token budget; running offline requests make room for online ones by recompute,
/// when the KV pool runs out or the running set is full and an online request waits.
final class PriorityPolicy: Policy {
    var separatesClasses: Bool { true }
}
