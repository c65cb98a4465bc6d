#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif
import LlamaModel
import Scheduling

/// Measures real forward-pass steps over a sweep of token mixes (`Sweep`), the data the
/// latency model is fitted to (DESIGN §5).
///
/// Each shape is built on one KV pool large enough for the largest; the KV contents are
/// arbitrary (timing does not depend on them) but every page of the pool is written before
/// timing, since reading never-written calloc memory reads one shared zero page, which
/// would make long contexts look as cheap as short ones.
public struct LatencyProfiler: Sendable {
    /// Where a profile stands, for a progress line.
    public struct Progress: Sendable {
        /// Timed steps done, and to do: an estimate (shapes × `repeats`) until every shape has
        /// run once and the extra runs of short ones are known.
        public var completed: Int
        public var total: Int
        /// The shape just measured.
        public var shape: Shape
        /// Its time, in seconds.
        public var seconds: Double
    }

    /// Every timed run of one shape.
    public struct Measurement: Sendable {
        public var shape: Shape
        /// Seconds of each timed run, in the order they ran.
        public var runs: [Double]
        public var isHeldOut: Bool

        /// The median run: what the shape's sample says it takes.
        public var median: Double {
            let sorted = runs.sorted()
            guard !sorted.isEmpty else { return 0 }
            let middle = sorted.count / 2
            return sorted.count % 2 == 1 ? sorted[middle] : (sorted[middle - 1] + sorted[middle]) / 2
        }

        /// (slowest − fastest) / median: how much the machine disturbed this shape's runs.
        public var spread: Double {
            guard let low = runs.min(), let high = runs.max(), median > 0 else { return 0 }
            return (high - low) / median
        }

        public var sample: LatencySample { LatencySample(features: shape.features, seconds: median) }
    }

    /// A finished profile: every shape's runs, and one sample (the median run) per shape.
    public struct Profile: Sendable {
        public var measurements: [Measurement]
        /// Wall time of the whole profile, warm-up and set-up included, in seconds.
        public var seconds: Double

        /// Samples to fit the model to.
        public var fit: [LatencySample] { measurements.filter { !$0.isHeldOut }.map(\.sample) }
        /// Samples of the held-out shapes, to measure the fit's error on steps it has not seen.
        public var heldOut: [LatencySample] { measurements.filter(\.isHeldOut).map(\.sample) }
        /// The median over shapes of their runs' spread: the timing noise the fit has to live
        /// with. Errors well above it are the model's; errors near it are the machine's.
        public var medianSpread: Double {
            let spreads = measurements.map(\.spread).sorted()
            return spreads.isEmpty ? 0 : spreads[spreads.count / 2]
        }
    }

    public let model: LoadedModel
    public let threads: Int

    public init(model: LoadedModel, threads: Int) {
        self.model = model
        self.threads = threads
    }

    /// Runs the sweep. Throws what the forward pass throws (a shape the model cannot run),
    /// or `LatencyProfilerError` when the sweep leaves nothing to measure.
    public func run(_ sweep: Sweep = .standard, progress: (Progress) -> Void = { _ in }) throws -> Profile {
        let clock = ContinuousClock()
        let started = clock.now
        let config = model.config
        let kvBytesPerPosition = KVPool.bytesPerPosition(config)
        let shapes = sweep.shapes(contextLength: config.contextLength, kvBytesPerPosition: kvBytesPerPosition)
        guard !shapes.isEmpty else { throw LatencyProfilerError.noShapes }

        // One forward pass and one pool, sized for the largest shape.
        let blockSize = 16
        func blocks(_ run: Shape.Run) -> Int { (run.cachedTokens + run.newTokens + blockSize - 1) / blockSize }
        let maxTokens = shapes.map(\.newTokens).max()!
        let maxRows = shapes.map(\.runs.count).max()!
        let blockCount = shapes.map { $0.runs.reduce(0) { $0 + blocks($1) } }.max()!
        let forward = try model.makeForwardPass(maxTokens: maxTokens, maxLogitRows: maxRows, threads: threads)
        let kv = KVPool(config: config, blockCount: blockCount, blockSize: blockSize)
        let poolBytes = blockCount * kv.blockStride * MemoryLayout<KVPool.Element>.stride
        memset(kv.keys, 0, poolBytes)
        memset(kv.values, 0, poolBytes)

        // Arbitrary but valid token ids; what the tokens are does not change the work.
        var state: UInt64 = 0x70CE_5EED
        let tokenIds: [Int32] = (0 ..< maxTokens).map { _ in
            state = state &* 6_364_136_223_846_793_005 &+ 1_442_695_040_888_963_407
            return Int32((state >> 33) % UInt64(config.vocabularySize))
        }

        var batch = ForwardBatch()
        func load(_ shape: Shape) {
            batch.removeAll()
            var nextBlock: Int32 = 0
            for run in shape.runs {
                let count = Int32(blocks(run))
                batch.add(tokens: tokenIds[0 ..< run.newTokens], startPosition: run.cachedTokens,
                          blockTable: nextBlock ..< nextBlock + count, logits: .last)
                nextBlock += count
            }
        }

        // Warm up on the shape with the most tokens first (it touches every scratch buffer),
        // then on the first few of the sweep.
        let largest = shapes.indices.max { shapes[$0].newTokens < shapes[$1].newTokens }!
        for i in 0 ..< max(sweep.warmupSteps, 0) {
            load(shapes[i == 0 ? largest : (i - 1) % shapes.count])
            try forward.run(batch, kv: kv)
        }

        // Pass 1 times every shape once; that tells how many runs each gets (`Sweep.runs(after:)`).
        // Later passes take the shapes still short of runs, alternating direction so no shape
        // always follows the same neighbour.
        var times = [[Double]](repeating: [], count: shapes.count)
        var wanted = [Int](repeating: max(sweep.repeats, 1), count: shapes.count)
        var completed = 0
        var pass = 0
        while true {
            let due = shapes.indices.filter { times[$0].count < wanted[$0] }
            guard !due.isEmpty else { break }
            for index in pass % 2 == 0 ? due : due.reversed() {
                load(shapes[index])
                let start = clock.now
                try forward.run(batch, kv: kv)
                let elapsed = (clock.now - start).inSeconds
                times[index].append(elapsed)
                if pass == 0 { wanted[index] = sweep.runs(after: elapsed) }
                completed += 1
                progress(Progress(completed: completed, total: pass == 0 ? shapes.count * max(sweep.repeats, 1) : wanted.reduce(0, +),
                                  shape: shapes[index], seconds: elapsed))
            }
            pass += 1
        }

        var profile = Profile(measurements: [], seconds: 0)
        for (index, shape) in shapes.enumerated() {
            profile.measurements.append(Measurement(shape: shape, runs: times[index], isHeldOut: sweep.isHeldOut(index)))
        }
        profile.seconds = (clock.now - started).inSeconds
        return profile
    }
}

/// Why a latency profile could not be taken.
public enum LatencyProfilerError: Error, Equatable, CustomStringConvertible {
    case noShapes

    public var description: String {
        switch self {
        case .noShapes:
            "the latency profile's sweep has no step that fits this model's context length and the KV memory limit; raise the sweep's KV limit or add shorter contexts"
        }
    }
}
