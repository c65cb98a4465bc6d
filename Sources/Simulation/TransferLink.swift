/// The link checkpoint copies travel on (PCIe to host memory, or memory to memory on the CPU):
/// one transfer at a time, first come first served, at a fixed bandwidth, in parallel with
/// compute. A restore queued behind a backlog of saves waits for them, as on one DMA engine.
struct TransferLink {
    let bytesPerSecond: Double
    /// When the last queued transfer ends, in virtual seconds.
    private(set) var busyUntil = 0.0
    /// Bytes moved and seconds busy, for the report.
    private(set) var bytesMoved = 0.0

    init(bytesPerSecond: Double) {
        self.bytesPerSecond = bytesPerSecond
    }

    /// Queues `bytes` at `time`; returns when they have arrived.
    mutating func transfer(_ bytes: Double, at time: Double) -> Double {
        guard bytes > 0 else { return time }
        busyUntil = max(busyUntil, time) + bytes / bytesPerSecond
        bytesMoved += bytes
        return busyUntil
    }
}
