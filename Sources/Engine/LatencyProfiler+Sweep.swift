import Scheduling

extension LatencyProfiler {
    /// One step to measure: the new and cached token counts of each sequence in it.
    public struct Shape: Sendable, Hashable, CustomStringConvertible {
        public struct Run: Sendable, Hashable {
            public var newTokens: Int
            public var cachedTokens: Int

            public init(newTokens: Int, cachedTokens: Int) {
                self.newTokens = newTokens
                self.cachedTokens = cachedTokens
            }
        }

        public var runs: [Run]

        public init(runs: [Run]) {
            self.runs = runs
        }

        public var newTokens: Int { runs.reduce(0) { $0 + $1.newTokens } }
        /// KV positions the step touches: every sequence's context plus its new tokens.
        public var positions: Int { runs.reduce(0) { $0 + $1.cachedTokens + $1.newTokens } }

        public var features: StepFeatures {
            var features = StepFeatures()
            for run in runs { features.add(newTokens: run.newTokens, cachedTokens: run.cachedTokens) }
            return features
        }

        public var description: String {
            let decodes = runs.filter { $0.newTokens == 1 }
            let chunks = runs.filter { $0.newTokens > 1 }
            var parts: [String] = []
            if !decodes.isEmpty {
                let meanContext = decodes.reduce(0) { $0 + $1.cachedTokens } / decodes.count
                parts.append("\(decodes.count) decode\(decodes.count == 1 ? "" : "s") at ~\(meanContext)")
            }
            for chunk in chunks { parts.append("chunk \(chunk.newTokens) after \(chunk.cachedTokens)") }
            return parts.joined(separator: " + ")
        }
    }

    /// Which steps a profile measures and how. Three families of grids: prefill chunks
    /// alone, decode batches alone, and decode batches with one prefill chunk (what a
    /// chunked-prefill scheduler runs most). Decodes of a batch get contexts spread over ±50%
    /// around the grid's context, as a real batch's do.
    public struct Sweep: Sendable, Hashable {
        /// Every size crossed with every context: chunk tokens (prefill) or sequences (decodes).
        public struct Grid: Sendable, Hashable {
            public var sizes: [Int]
            public var contexts: [Int]

            public init(sizes: [Int], contexts: [Int]) {
                self.sizes = sizes
                self.contexts = contexts
            }
        }

        /// Decode batches of each size with one prefill chunk of each size, all at each context.
        public struct MixedGrid: Sendable, Hashable {
            public var decodes: [Int]
            public var chunks: [Int]
            public var contexts: [Int]

            public init(decodes: [Int], chunks: [Int], contexts: [Int]) {
                self.decodes = decodes
                self.chunks = chunks
                self.contexts = contexts
            }
        }

        public var prefill: [Grid]
        public var decodes: [Grid]
        public var mixed: [MixedGrid]
        /// Shapes whose KV (contexts plus new tokens, over all sequences) would exceed this
        /// many bytes are left out, so a large model is not asked for more memory than it has.
        public var maxKVBytes: Int
        /// Timed runs of each shape at least; the median is the sample. Runs of one shape are
        /// spread over the profile (all shapes once, then again), so a burst of other load on
        /// the machine hits one run of many shapes rather than every run of one.
        public var repeats: Int
        /// Short steps get more runs, up to this many, until about `secondsPerShape` is spent
        /// on them: a thread woken late costs a 5 ms step 20% and a 1 s step nothing, and
        /// extra runs of short steps cost little.
        public var maxRepeats: Int
        public var secondsPerShape: Double
        /// Untimed steps first, so page faults, lazy binding and cold caches are not measured.
        public var warmupSteps: Int
        /// Every n-th shape (in the shuffled order) is held out of the fit to measure its error.
        public var heldOutEvery: Int
        /// Seeds the shuffle of the shapes; the same seed gives the same order and split.
        public var seed: UInt64

        public init(prefill: [Grid], decodes: [Grid], mixed: [MixedGrid],
                    maxKVBytes: Int = 2 << 30, repeats: Int = 3, maxRepeats: Int = 9, secondsPerShape: Double = 0.15,
                    warmupSteps: Int = 4, heldOutEvery: Int = 4, seed: UInt64 = 0x1A7E_5C7) {
            self.prefill = prefill
            self.decodes = decodes
            self.mixed = mixed
            self.maxKVBytes = maxKVBytes
            self.repeats = repeats
            self.maxRepeats = maxRepeats
            self.secondsPerShape = secondsPerShape
            self.warmupSteps = warmupSteps
            self.heldOutEvery = heldOutEvery
            self.seed = seed
        }

        /// The sweep `conserve profile` and the engine use: about 100 shapes on SmolLM2-135M with
        /// two threads (2 cores, AVX2), out to the longest contexts a served request reaches
        /// (shapes beyond the model's context or the KV budget are left out). Long chunks are measured at fewer contexts, and
        /// with fewer decode counts beside them, because one of them costs as much as dozens
        /// of short steps; the time saved buys every shape three runs, which a shared machine
        /// needs: its speed drifts by 10–20% over seconds.
        public static let standard = Sweep(
            prefill: [Grid(sizes: [2, 4, 8, 16, 32, 64, 128], contexts: [0, 512, 1024, 2000, 4000]),
                      Grid(sizes: [8, 64, 256], contexts: [7000]),
                      Grid(sizes: [256], contexts: [0, 768, 3000]),
                      Grid(sizes: [512], contexts: [0])],
            decodes: [Grid(sizes: [1, 2, 4, 8, 16, 32, 64], contexts: [16, 256, 768, 1536]),
                      Grid(sizes: [1, 4, 16, 32], contexts: [3072, 6000])],
            mixed: [MixedGrid(decodes: [1, 4, 16, 32], chunks: [8, 32, 128], contexts: [128, 1024])])

        /// A few seconds' sweep for tests: every family, too few shapes for a good fit.
        public static let quick = Sweep(
            prefill: [Grid(sizes: [2, 16, 64], contexts: [0, 100])],
            decodes: [Grid(sizes: [1, 4], contexts: [32])],
            mixed: [MixedGrid(decodes: [2], chunks: [8], contexts: [40])],
            repeats: 1, maxRepeats: 1, warmupSteps: 1)

        /// The shapes to measure, shuffled, for a model with this context length and KV size
        /// per position. Shapes that do not fit either are left out.
        public func shapes(contextLength: Int, kvBytesPerPosition: Int) -> [Shape] {
            func decodeRuns(_ count: Int, around context: Int) -> [Shape.Run] {
                (0 ..< count).map { i in
                    let spread = count == 1 ? context : context / 2 + context * i / (count - 1)
                    return Shape.Run(newTokens: 1, cachedTokens: spread)
                }
            }
            var all: [Shape] = []
            for grid in prefill {
                for p in grid.sizes where p >= 1 {
                    for c in grid.contexts where c >= 0 { all.append(Shape(runs: [Shape.Run(newTokens: p, cachedTokens: c)])) }
                }
            }
            for grid in decodes {
                for k in grid.sizes where k >= 1 {
                    for c in grid.contexts where c >= 0 { all.append(Shape(runs: decodeRuns(k, around: c))) }
                }
            }
            for grid in mixed {
                for k in grid.decodes where k >= 1 {
                    for p in grid.chunks where p >= 1 {
                        for c in grid.contexts where c >= 0 {
                            all.append(Shape(runs: decodeRuns(k, around: c) + [Shape.Run(newTokens: p, cachedTokens: c)]))
                        }
                    }
                }
            }
            let maxPositions = maxKVBytes / max(kvBytesPerPosition, 1)
            var kept = all.filter { shape in
                shape.positions <= maxPositions && shape.runs.allSatisfy { $0.cachedTokens + $0.newTokens <= contextLength }
            }
            // Fisher–Yates with SplitMix64: a fixed order that mixes the families, so the
            // held-out shapes are a sample of all of them, not one corner of a grid.
            var state = seed
            for i in stride(from: kept.count - 1, to: 0, by: -1) {
                state &+= 0x9E37_79B9_7F4A_7C15
                var z = state
                z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
                z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
                z ^= z >> 31
                kept.swapAt(i, Int(z % UInt64(i + 1)))
            }
            return kept
        }

        /// How many timed runs a shape gets whose first run took `seconds`.
        public func runs(after seconds: Double) -> Int {
            let least = max(repeats, 1), most = max(maxRepeats, least)
            guard seconds > 0, seconds.isFinite, secondsPerShape > 0 else { return least }
            return Int(min(max((secondsPerShape / seconds).rounded(.up), Double(least)), Double(most)))
        }

        /// Whether the shape at `index` of `shapes(...)` is held out of the fit.
        public func isHeldOut(_ index: Int) -> Bool {
            heldOutEvery >= 2 && index % heldOutEvery == heldOutEvery - 1
        }
    }
}
