/// Token throughput of each class over a run, in fixed bins: the online load set against the
/// offline throughput harvested beside it. Tokens are counted as `ServeMetrics` counts them, the
/// prompt when the first token arrives and each output token when it arrives, so the bins of a
/// class add up to its in-window token count.
public struct ThroughputTimeline: Codable, Sendable, Equatable {
    public struct Bin: Codable, Sendable, Equatable {
        /// Seconds since the run started; the last bin may be cut short by the window's end.
        public var start: Double
        public var end: Double
        public var onlineTokensPerSecond: Double
        public var offlineTokensPerSecond: Double

        public subscript(workClass: WorkClass) -> Double {
            switch workClass {
            case .online: onlineTokensPerSecond
            case .offline: offlineTokensPerSecond
            }
        }
    }

    public var binSeconds: Double
    public var bins: [Bin]

    /// Bins [0, `duration`] into spans of `binSeconds`; nil unless both are positive and finite.
    public init?(records: [RequestRecord], duration: Double, binSeconds: Double) {
        guard binSeconds > 0, duration > 0, binSeconds.isFinite, duration.isFinite else { return nil }
        self.binSeconds = binSeconds
        let count = Int((duration / binSeconds).rounded(.up))
        var online = [Int](repeating: 0, count: count)
        var offline = [Int](repeating: 0, count: count)
        for record in records where !record.failed {
            for (index, time) in record.tokenTimes.enumerated() where time >= 0 && time <= duration {
                // A token exactly at the window's end belongs to the last bin, not one past it.
                let bin = min(Int(time / binSeconds), count - 1)
                let tokens = index == 0 ? record.promptTokens + 1 : 1
                switch record.workClass {
                case .online: online[bin] += tokens
                case .offline: offline[bin] += tokens
                }
            }
        }
        bins = (0..<count).map { index in
            let start = Double(index) * binSeconds
            let end = min(start + binSeconds, duration)
            let width = end - start
            return Bin(
                start: start, end: end,
                onlineTokensPerSecond: width > 0 ? Double(online[index]) / width : 0,
                offlineTokensPerSecond: width > 0 ? Double(offline[index]) / width : 0)
        }
    }
}
