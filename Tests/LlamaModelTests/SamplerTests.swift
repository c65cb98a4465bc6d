import Foundation
import Testing

@testable import LlamaModel

// MARK: - Helpers

/// Samples once from a copy of `logits` (sampling may rewrite them).
private func sampleOnce(
    _ sampler: inout Sampler, _ logits: [Float], history: [Int32] = []
) -> Int32 {
    var row = logits
    return row.withUnsafeMutableBufferPointer { l in
        history.withUnsafeBufferPointer { h in sampler.sample(logits: l, history: h) }
    }
}

/// Counts of each id over `draws` samples.
private func histogram(_ parameters: SamplingParameters, _ logits: [Float], draws: Int) -> [Int] {
    var sampler = Sampler(parameters: parameters, vocabularySize: logits.count)
    var counts = [Int](repeating: 0, count: logits.count)
    for _ in 0..<draws { counts[Int(sampleOnce(&sampler, logits))] += 1 }
    return counts
}

/// softmax(logits / temperature) in double precision.
private func softmax(_ logits: [Float], temperature: Double = 1) -> [Double] {
    let scaled = logits.map { Double($0) / temperature }
    let m = scaled.max()!
    let e = scaled.map { Foundation.exp($0 - m) }
    let s = e.reduce(0, +)
    return e.map { $0 / s }
}

/// Pearson's chi-square of observed counts against expected probabilities (all > 0).
private func chiSquare(_ counts: [Int], _ probabilities: [Double]) -> Double {
    let n = Double(counts.reduce(0, +))
    return zip(counts, probabilities).reduce(0) { acc, pair in
        let expected = n * pair.1
        let d = Double(pair.0) - expected
        return acc + d * d / expected
    }
}

/// The candidates left by the filters, as id → renormalized probability.
private func kept(_ parameters: SamplingParameters, _ logits: [Float]) -> [Int32: Double] {
    var sampler = Sampler(parameters: parameters, vocabularySize: logits.count)
    var row = logits
    let pairs = row.withUnsafeMutableBufferPointer { l in
        let n = sampler.prepareCandidates(logits: l)
        return sampler.candidateProbabilities(count: n)
    }
    return Dictionary(uniqueKeysWithValues: pairs.map { ($0.id, $0.probability) })
}

/// Logits after penalties only.
private func penalized(
    _ parameters: SamplingParameters, _ logits: [Float], history: [Int32]
) -> [Float] {
    var sampler = Sampler(parameters: parameters, vocabularySize: logits.count)
    var row = logits
    row.withUnsafeMutableBufferPointer { l in
        history.withUnsafeBufferPointer { h in sampler.applyPenalties(logits: l, history: h) }
    }
    return row
}

/// Deterministic pseudo-random logits in [-scale, scale).
private func randomLogits(count: Int, seed: UInt64, scale: Float = 8) -> [Float] {
    var g = RandomGenerator(seed: seed)
    return (0..<count).map { _ in Float(g.nextUnitDouble() * 2 - 1) * scale }
}

// Five tokens; probabilities at temperature 1 ≈ 0.56, 0.21, 0.13, 0.08, 0.03.
private let smallLogits: [Float] = [2, 1, 0.5, 0, -1]

// df = 4: P(chi² > 35) ≈ 5e-7, so a correct sampler passes for essentially every seed.
private let chiSquareLimit = 35.0

// MARK: - Random generator

@Suite struct RandomGeneratorTests {
    @Test func splitMixMatchesReferenceOutputs() {
        // Reference values of SplitMix64 seeded with 0 (Vigna's splitmix64.c).
        var s = SplitMix64(state: 0)
        #expect(s.next() == 0xE220_A839_7B1D_CDAF)
        #expect(s.next() == 0x6E78_9E6A_A1B9_65F4)
        #expect(s.next() == 0x06C4_5D18_8009_454F)
    }

    @Test func unitDoublesAreInRangeAndUniform() {
        var g = RandomGenerator(seed: 7)
        var sum = 0.0
        for _ in 0..<100_000 {
            let u = g.nextUnitDouble()
            #expect(u >= 0 && u < 1)
            sum += u
        }
        // Standard error of the mean is 0.0009; 0.005 is more than five of them.
        #expect(abs(sum / 100_000 - 0.5) < 0.005)
    }
}

// MARK: - Sampling

@Suite struct SamplerTests {
    @Test func greedyIsArgmaxWithTiesToLowestId() {
        var sampler = Sampler(parameters: .greedy, vocabularySize: 6)
        #expect(sampleOnce(&sampler, [0.1, 3, -1, 2.9, 0, 1]) == 1)
        #expect(sampleOnce(&sampler, [1, 5, 2, 5, 5, 0]) == 1)
        #expect(sampleOnce(&sampler, [7, 7, 7, 7, 7, 7]) == 0)
        #expect(sampleOnce(&sampler, [.nan, -1, .nan, 4, 4, .nan]) == 3)
        #expect(SamplingParameters.greedy.temperature == 0)
        #expect(SamplingParameters.greedy.validationError() == nil)
    }

    @Test func sameSeedRepeatsAndDifferentSeedDiffers() {
        let logits = randomLogits(count: 1000, seed: 1, scale: 2)
        func run(seed: UInt64) -> [Int32] {
            var sampler = Sampler(parameters: SamplingParameters(seed: seed), vocabularySize: logits.count)
            return (0..<200).map { _ in sampleOnce(&sampler, logits) }
        }
        #expect(run(seed: 42) == run(seed: 42))
        #expect(run(seed: 42) != run(seed: 43))
        #expect(Set(run(seed: 42)).count > 50)  // really random, not stuck
    }

    @Test func frequenciesMatchSoftmaxAndRejectWrongTemperature() {
        let counts = histogram(SamplingParameters(seed: 2024), smallLogits, draws: 20_000)
        #expect(chiSquare(counts, softmax(smallLogits)) < chiSquareLimit)
        // The same counts are far from what a sampler off by temperature would give.
        #expect(chiSquare(counts, softmax(smallLogits, temperature: 1.25)) > 10 * chiSquareLimit)
        #expect(chiSquare(counts, softmax(smallLogits, temperature: 0.8)) > 10 * chiSquareLimit)
    }

    @Test(arguments: [0.5, 0.7, 1.5] as [Float])
    func temperatureScalesLogits(temperature: Float) {
        let parameters = SamplingParameters(temperature: temperature, seed: 99)
        let counts = histogram(parameters, smallLogits, draws: 20_000)
        #expect(chiSquare(counts, softmax(smallLogits, temperature: Double(temperature))) < chiSquareLimit)
        #expect(chiSquare(counts, softmax(smallLogits)) > 10 * chiSquareLimit)
    }

    @Test func tinyTemperatureConcentratesOnArgmax() {
        let logits: [Float] = [1, 0.9, 1.05, 0.5]
        let counts = histogram(SamplingParameters(temperature: 0.005, seed: 5), logits, draws: 2000)
        // P(not argmax) ≈ e^-10 + e^-30 per draw.
        #expect(counts == [0, 0, 2000, 0])
    }

    @Test func topKNeverDrawsOutsideTheTopK() {
        let logits: [Float] = [0.5, 2, -1, 1.9, 1.8, 0]
        let parameters = SamplingParameters(topK: 2, seed: 11)
        let counts = histogram(parameters, logits, draws: 20_000)
        #expect(counts[0] == 0 && counts[2] == 0 && counts[4] == 0 && counts[5] == 0)
        // Within the top 2 the draw follows the renormalized softmax (df = 1; P(>25) ≈ 6e-7).
        let expected = softmax([2, 1.9])
        #expect(chiSquare([counts[1], counts[3]], expected) < 25)
        #expect(kept(parameters, logits).keys.sorted() == [1, 3])
    }

    @Test func topKTiesGoToLowerIds() {
        let logits: [Float] = [1, 3, 3, 3, 0]
        #expect(kept(SamplingParameters(topK: 2), logits).keys.sorted() == [1, 2])
        #expect(kept(SamplingParameters(topK: 1), logits).keys.sorted() == [1])
        #expect(kept(SamplingParameters(topK: 50), logits).count == 5)  // k ≥ vocabulary: off
    }

    @Test func topPKeepsTheSmallestPrefixReachingP() {
        // Probabilities 0.5, 0.25, 0.125, 0.0625, 0.0625 (shuffled ids).
        let p: [Double] = [0.125, 0.5, 0.0625, 0.25, 0.0625]
        let logits = p.map { Float(Foundation.log($0)) }
        let cases: [(Float, [Int32])] = [
            (0.3, [1]), (0.5, [1]), (0.6, [1, 3]), (0.8, [1, 3, 0]),
            (0.9, [1, 3, 0, 2]), (0.99, [0, 1, 2, 3, 4]),
        ]
        for (topP, expected) in cases {
            let result = kept(SamplingParameters(topP: topP), logits)
            #expect(result.keys.sorted() == expected.sorted(), "topP \(topP)")
            let mass = expected.reduce(0.0) { $0 + p[Int($1)] }
            for id in expected {
                #expect(abs((result[id] ?? .nan) - p[Int(id)] / mass) < 1e-6)
            }
        }
        // Draws stay inside the kept set.
        let counts = histogram(SamplingParameters(topP: 0.6, seed: 3), logits, draws: 5000)
        #expect(counts[0] == 0 && counts[2] == 0 && counts[4] == 0)
    }

    @Test func topPOnALargeVocabularyMatchesAFullSort() {
        // Large enough that the incremental selection needs several rounds.
        let logits = randomLogits(count: 50_000, seed: 77, scale: 6)
        let order = logits.indices.sorted { (logits[$0], -$0) > (logits[$1], -$1) }
        let probabilities = softmax(logits)
        for topP: Float in [0.05, 0.5, 0.9, 0.999] {
            var cumulative = 0.0
            var prefix = 0
            while prefix < order.count {
                cumulative += probabilities[order[prefix]]
                prefix += 1
                if cumulative >= Double(topP) { break }
            }
            let expected = Set(order[..<prefix].map { Int32($0) })
            let result = kept(SamplingParameters(topP: topP), logits)
            // Float vs double weights may move the cut by one token at most.
            #expect(abs(result.count - expected.count) <= 1, "topP \(topP)")
            let common = Set(result.keys).intersection(expected)
            #expect(common.count >= min(result.count, expected.count), "topP \(topP)")
        }
    }

    @Test func topKThenTopPRenormalizesWithinTopK() {
        // Probabilities ≈ 0.4, 0.3, 0.2, 0.1; top-2 leaves 4/7, 3/7; top-p 0.5 then keeps one.
        let logits = [0.4, 0.3, 0.2, 0.1].map { Float(Foundation.log($0)) }
        #expect(kept(SamplingParameters(topK: 2, topP: 0.5), logits).keys.sorted() == [0])
        #expect(kept(SamplingParameters(topK: 2, topP: 0.6), logits).keys.sorted() == [0, 1])
        // Without top-k: 0.4 + 0.3 = 0.7 < 0.75, so a third token is needed.
        #expect(kept(SamplingParameters(topP: 0.75), logits).keys.sorted() == [0, 1, 2])
    }

    @Test func minPKeepsTokensAboveAFractionOfTheMax() {
        // Probabilities ∝ 8, 4, 2, 1, 1 over ids 0...4.
        let logits = [8.0, 4, 2, 1, 1].map { Float(Foundation.log($0)) }
        #expect(kept(SamplingParameters(minP: 0.3), logits).keys.sorted() == [0, 1])
        #expect(kept(SamplingParameters(minP: 0.2), logits).keys.sorted() == [0, 1, 2])
        #expect(kept(SamplingParameters(minP: 0.1), logits).count == 5)
        #expect(kept(SamplingParameters(minP: 1), logits).keys.sorted() == [0])
        let two = kept(SamplingParameters(minP: 0.3), logits)
        #expect(abs((two[0] ?? .nan) - 2.0 / 3) < 1e-6 && abs((two[1] ?? .nan) - 1.0 / 3) < 1e-6)
        // Temperature comes first: at 0.5 the ratios square (64 : 16 : 4 …), so 0.2 keeps two.
        #expect(kept(SamplingParameters(temperature: 0.5, minP: 0.2), logits).keys.sorted() == [0, 1])
        // min-p with top-p: the intersection of both prefixes.
        #expect(kept(SamplingParameters(topP: 0.9, minP: 0.2), logits).keys.sorted() == [0, 1, 2])
        #expect(kept(SamplingParameters(topP: 0.5, minP: 0.2), logits).keys.sorted() == [0])
    }

    @Test func repetitionPenaltyDividesPositiveAndMultipliesNegativeLogits() {
        let parameters = SamplingParameters(repetitionPenalty: 2)
        let result = penalized(parameters, [3, -1, 0.5, 2, -4], history: [0, 1, 1, 4])
        #expect(result == [1.5, -2, 0.5, 2, -8])
    }

    @Test func frequencyAndPresencePenaltiesSubtractCountsAndPresence() {
        let frequency = penalized(
            SamplingParameters(frequencyPenalty: 0.5), [1, 1, 1, 1], history: [2, 2, 2, 0])
        #expect(frequency == [0.5, 1, -0.5, 1])
        let presence = penalized(
            SamplingParameters(presencePenalty: 0.75), [1, 1, 1, 1], history: [2, 2, 2, 0])
        #expect(presence == [0.25, 1, 0.25, 1])
        // All three: repetition first, then count × frequency + presence.
        let all = penalized(
            SamplingParameters(repetitionPenalty: 2, frequencyPenalty: 0.25, presencePenalty: 1),
            [4, -2, 6], history: [0, 0, 1])
        // 4 / 2 - 2 × 0.25 - 1 = 0.5;  -2 × 2 - 1 × 0.25 - 1 = -5.25;  6 untouched.
        #expect(all == [0.5, -5.25, 6])
        // Negative penalties encourage repeats.
        let negative = penalized(
            SamplingParameters(frequencyPenalty: -1, presencePenalty: -0.5), [0, 0], history: [1, 1])
        #expect(negative == [0, 2.5])
    }

    @Test func penaltiesRespectTheWindow() {
        let history: [Int32] = [0, 0, 1, 2, 2, 3]
        let logits: [Float] = [1, 1, 1, 1, 1]
        // Window 3 sees [2, 2, 3].
        let windowed = penalized(
            SamplingParameters(frequencyPenalty: 1, penaltyWindow: 3), logits, history: history)
        #expect(windowed == [1, 1, -1, 0, 1])
        let all = penalized(
            SamplingParameters(frequencyPenalty: 1, penaltyWindow: -1), logits, history: history)
        #expect(all == [-1, 0, -1, 0, 1])
        let longer = penalized(
            SamplingParameters(frequencyPenalty: 1, penaltyWindow: 100), logits, history: history)
        #expect(longer == all)
        let none = penalized(
            SamplingParameters(frequencyPenalty: 1, penaltyWindow: 0), logits, history: history)
        #expect(none == logits)
        // Ids outside the vocabulary are ignored.
        let outside = penalized(
            SamplingParameters(presencePenalty: 1), logits, history: [-3, 4, 99, 4])
        #expect(outside == [1, 1, 1, 1, 0])
    }

    @Test func penaltiesDoNotLeakBetweenCalls() {
        var sampler = Sampler(
            parameters: SamplingParameters(temperature: 0, frequencyPenalty: 1), vocabularySize: 3)
        var first: [Float] = [1, 1, 1]
        var second: [Float] = [1, 1, 1]
        let historyA: [Int32] = [0, 0, 0]
        let historyB: [Int32] = [1]
        first.withUnsafeMutableBufferPointer { l in
            historyA.withUnsafeBufferPointer { h in sampler.applyPenalties(logits: l, history: h) }
        }
        second.withUnsafeMutableBufferPointer { l in
            historyB.withUnsafeBufferPointer { h in sampler.applyPenalties(logits: l, history: h) }
        }
        #expect(first == [-2, 1, 1])
        #expect(second == [1, 0, 1])
    }

    @Test func penaltiesSteerGreedyAwayFromRepeats() {
        var sampler = Sampler(
            parameters: SamplingParameters(temperature: 0, repetitionPenalty: 1.5), vocabularySize: 3)
        #expect(sampleOnce(&sampler, [3, 2.5, 1], history: [0]) == 1)  // 3 / 1.5 = 2 < 2.5
        #expect(sampleOnce(&sampler, [3, 2.5, 1], history: [1]) == 0)
    }

    @Test func nanLogitsAreNeverSampled() {
        let logits: [Float] = [.nan, 0, .nan, 0]
        let counts = histogram(SamplingParameters(seed: 8), logits, draws: 1000)
        #expect(counts[0] == 0 && counts[2] == 0 && counts[1] + counts[3] == 1000)
        #expect(histogram(SamplingParameters(seed: 8), [-.infinity, -.infinity], draws: 3) == [3, 0])
    }

    @Test func copiesSampleIndependently() {
        let logits = randomLogits(count: 300, seed: 4, scale: 1)
        var a = Sampler(parameters: SamplingParameters(topP: 0.9, seed: 1), vocabularySize: 300)
        var b = a
        let fromA = (0..<50).map { _ in sampleOnce(&a, logits) }
        let fromB = (0..<50).map { _ in sampleOnce(&b, logits) }
        #expect(fromA == fromB)
    }
}

// MARK: - Parameters

@Suite struct SamplingParametersTests {
    @Test func defaultsAreValidAndOff() {
        let p = SamplingParameters()
        #expect(p.validationError() == nil)
        #expect(!p.hasPenalties)
        #expect(p == SamplingParameters(temperature: 1, topK: 0, topP: 1, minP: 0, penaltyWindow: 64))
    }

    @Test(arguments: [
        ("temperature", SamplingParameters(temperature: -0.1)),
        ("temperature", SamplingParameters(temperature: .nan)),
        ("temperature", SamplingParameters(temperature: .infinity)),
        ("topK", SamplingParameters(topK: -1)),
        ("topP", SamplingParameters(topP: 0)),
        ("topP", SamplingParameters(topP: 1.01)),
        ("topP", SamplingParameters(topP: .nan)),
        ("minP", SamplingParameters(minP: -0.01)),
        ("minP", SamplingParameters(minP: 1.5)),
        ("repetitionPenalty", SamplingParameters(repetitionPenalty: 0)),
        ("repetitionPenalty", SamplingParameters(repetitionPenalty: -1)),
        ("repetitionPenalty", SamplingParameters(repetitionPenalty: .infinity)),
        ("frequencyPenalty", SamplingParameters(frequencyPenalty: 2.5)),
        ("frequencyPenalty", SamplingParameters(frequencyPenalty: -2.01)),
        ("presencePenalty", SamplingParameters(presencePenalty: -3)),
        ("presencePenalty", SamplingParameters(presencePenalty: .nan)),
        ("penaltyWindow", SamplingParameters(penaltyWindow: -2)),
    ])
    func validationNamesTheBadField(field: String, parameters: SamplingParameters) {
        let error = parameters.validationError()
        #expect(error?.hasPrefix(field + " ") == true, "\(String(describing: error))")
    }

    @Test func boundaryValuesAreValid() {
        let p = SamplingParameters(
            temperature: 0, topK: 1, topP: 1, minP: 1, repetitionPenalty: 0.01,
            frequencyPenalty: -2, presencePenalty: 2, penaltyWindow: -1, seed: 0)
        #expect(p.validationError() == nil)
    }

    @Test func codableRoundTripsAndFillsMissingKeysWithDefaults() throws {
        let p = SamplingParameters(temperature: 0.7, topK: 40, topP: 0.9, minP: 0.05, seed: 123)
        let data = try JSONEncoder().encode(p)
        #expect(try JSONDecoder().decode(SamplingParameters.self, from: data) == p)
        let partial = try JSONDecoder().decode(
            SamplingParameters.self, from: Data(#"{"temperature": 0.2, "seed": 9}"#.utf8))
        #expect(partial == SamplingParameters(temperature: 0.2, seed: 9))
    }
}

// MARK: - Logprobs

@Suite struct LogprobTests {
    private func logSoftmax(_ logits: [Float]) -> [Float] {
        var out = [Float](repeating: 0, count: logits.count)
        logits.withUnsafeBufferPointer { l in
            out.withUnsafeMutableBufferPointer { o in Sampler.logSoftmax(l, into: o) }
        }
        return out
    }

    @Test func logSoftmaxMatchesDoublePrecisionAndSumsToOne() {
        for logits in [smallLogits, randomLogits(count: 50_000, seed: 12, scale: 10)] {
            let result = logSoftmax(logits)
            let reference = softmax(logits).map { Foundation.log($0) }
            let sum = result.reduce(0.0) { $0 + Foundation.exp(Double($1)) }
            #expect(abs(sum - 1) < 1e-5)
            let worst = zip(result, reference).map { abs(Double($0) - $1) }.max()!
            #expect(worst < 1e-5)
        }
    }

    @Test func logSoftmaxIsStableForHugeLogits() {
        let result = logSoftmax([1000, 1001, -.infinity])
        #expect(abs(Double(result[0]) - (-1 - Foundation.log(1 + Foundation.exp(-1.0)))) < 1e-6)
        #expect(abs(Double(result[1]) - (-Foundation.log(1 + Foundation.exp(-1.0)))) < 1e-6)
        #expect(result[2] == -.infinity)
        let allMinusInfinity = logSoftmax([-.infinity, -.infinity])
        #expect(allMinusInfinity.allSatisfy { abs(Double($0) + Foundation.log(2)) < 1e-6 })
    }

    @Test func logprobOfOneTokenIsWhatLogSoftmaxWrites() {
        for logits in [smallLogits, randomLogits(count: 50_000, seed: 5, scale: 10), [1000, 1001, -.infinity, .nan]] {
            let reference = logSoftmax(logits)
            for token in [0, 1, logits.count / 2, logits.count - 1] {
                let value = logits.withUnsafeBufferPointer { Sampler.logprob(of: Int32(token), in: $0) }
                #expect(value == reference[token] || (value.isInfinite && reference[token].isInfinite))
            }
        }
        #expect([Float.infinity, 0].withUnsafeBufferPointer { Sampler.logprob(of: 1, in: $0) } == logSoftmax([.infinity, 0])[1])
    }

    @Test func topLogprobsAreSortedWithTiesToLowerIds() {
        let logits: [Float] = [1, 3, 2, 3, -1, 2]
        let top = logits.withUnsafeBufferPointer { Sampler.topLogprobs($0, k: 4) }
        #expect(top.map(\.id) == [1, 3, 2, 5])
        let reference = logSoftmax(logits)
        for entry in top {
            #expect(abs(entry.logprob - reference[Int(entry.id)]) < 1e-6)
        }
        #expect(logits.withUnsafeBufferPointer { Sampler.topLogprobs($0, k: 0) }.isEmpty)
        #expect(logits.withUnsafeBufferPointer { Sampler.topLogprobs($0, k: 10) }.map(\.id) == [1, 3, 2, 5, 0, 4])
    }

    @Test(arguments: [1, 20, 300])
    func topLogprobsMatchAFullSort(k: Int) {
        var logits = randomLogits(count: 20_000, seed: UInt64(k), scale: 5)
        for i in stride(from: 0, to: logits.count, by: 97) { logits[i] = logits[0] }  // ties
        let expected = logits.indices.sorted { (logits[$0], -$0) > (logits[$1], -$1) }.prefix(k)
        let top = logits.withUnsafeBufferPointer { Sampler.topLogprobs($0, k: k) }
        #expect(top.map { Int($0.id) } == Array(expected))
    }
}
