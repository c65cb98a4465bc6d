import Testing
@testable import Scheduling

/// Coefficients of the same order as SmolLM2-135M on two cores.
private let truth = LatencyModel(perStep: 4e-3, perToken: 2.5e-3, perAttentionPosition: 2e-7,
                                 perContextPosition: 3e-7, perSequence: 4e-4)

/// Step shapes like a profile's: prefill chunks at several contexts, decode batches, and mixes.
private func shapes() -> [StepFeatures] {
    var result: [StepFeatures] = []
    for p in [2, 8, 32, 128, 512] {
        for c in [0, 300, 1500] { result.append(StepFeatures().adding(newTokens: p, cachedTokens: c)) }
    }
    for k in [1, 4, 16, 48] {
        for c in [10, 400, 1800] {
            var f = StepFeatures()
            for i in 0 ..< k { f.add(newTokens: 1, cachedTokens: c + 7 * i) }
            result.append(f)
            result.append(f.adding(newTokens: 64, cachedTokens: c / 2))
        }
    }
    return result
}

private func samples(_ model: LatencyModel, noise: Double = 0, seed: UInt64 = 1) -> [LatencySample] {
    var rng = SplitMix64(state: seed)
    return shapes().map { LatencySample(features: $0, seconds: model.predict($0) * (1 + noise * rng.symmetric())) }
}

@Test func recoversKnownCoefficientsFromNoiselessSamples() throws {
    for objective in LatencyModel.Objective.allCases {
        let fitted = try LatencyModel.fit(samples(truth), objective: objective)
        for (found, expected) in zip(fitted.coefficients, truth.coefficients) {
            #expect(abs(found - expected) <= 1e-6 * expected, "\(objective): \(fitted.coefficients) vs \(truth.coefficients)")
        }
        #expect(fitted.meanAbsolutePercentageError(samples(truth)) < 1e-9)
    }
}

@Test func meanAbsolutePercentageErrorIsSmallOnNoisySamples() throws {
    // ±3% uniform noise: the mean absolute noise is 1.5%, and a good fit cannot do much worse
    // than that on samples it has not seen.
    let fitted = try LatencyModel.fit(samples(truth, noise: 0.03, seed: 7))
    let heldOut = samples(truth, noise: 0.03, seed: 99)
    #expect(fitted.meanAbsolutePercentageError(heldOut) < 0.025)
    #expect(fitted.maxAbsolutePercentageError(heldOut) < 0.06)
    #expect(fitted.coefficients.allSatisfy { $0 >= 0 })
}

@Test func meanAbsolutePercentageErrorIsAFraction() {
    let model = LatencyModel(perStep: 1, perToken: 0, perAttentionPosition: 0, perContextPosition: 0, perSequence: 0)
    let measured = [LatencySample(features: StepFeatures(), seconds: 2), LatencySample(features: StepFeatures(), seconds: 0.5)]
    #expect(model.meanAbsolutePercentageError(measured) == 0.75) // (0.5 + 1.0) / 2
    #expect(model.maxAbsolutePercentageError(measured) == 1)
    #expect(model.meanAbsolutePercentageError([]) == 0)
}

@Test func rankDeficientSamplesFitWithoutCrashingOrNaN() throws {
    // Prefill only at one context: the context and sequence columns are constant. Decodes only at one context:
    // tokens and sequences are the same column. Identical rows: only the level is known.
    let prefillOnly = [1, 4, 16, 64, 256, 512].map { p in
        LatencySample(features: StepFeatures().adding(newTokens: p, cachedTokens: 100), seconds: 0.004 + 0.002 * Double(p))
    }
    let decodesOnly = (1 ... 8).map { k in
        var f = StepFeatures()
        for _ in 0 ..< k { f.add(newTokens: 1, cachedTokens: 200) }
        return LatencySample(features: f, seconds: 0.005 + 0.001 * Double(k))
    }
    let identical = Array(repeating: LatencySample(features: StepFeatures().adding(newTokens: 3, cachedTokens: 0), seconds: 0.01), count: 6)
    let empty = Array(repeating: LatencySample(features: StepFeatures(), seconds: 0.002), count: 5)
    for set in [prefillOnly, decodesOnly, identical, empty] {
        let fitted = try LatencyModel.fit(set)
        #expect(fitted.coefficients.allSatisfy { $0.isFinite && $0 >= 0 }, "\(fitted.coefficients)")
        #expect(fitted.meanAbsolutePercentageError(set) < 0.01, "\(fitted.coefficients)")
    }
    #expect(try LatencyModel.fit(prefillOnly).perContextPosition == 0)
}

@Test func tooFewSamplesThrows() {
    let four = Array(samples(truth).prefix(4))
    #expect(throws: LatencyModelError.tooFewSamples(found: 4, needed: 5)) { try LatencyModel.fit(four) }
    #expect(throws: LatencyModelError.tooFewSamples(found: 0, needed: 5)) { try LatencyModel.fit([]) }
}

@Test func invalidMeasurementThrows() {
    var set = samples(truth)
    set[3].seconds = 0
    #expect(throws: LatencyModelError.self) { try LatencyModel.fit(set) }
    set[3].seconds = .nan
    #expect(throws: LatencyModelError.self) { try LatencyModel.fit(set) }
}

@Test func predictionNeverGoesBelowTheFloor() {
    let negative = LatencyModel(perStep: -1, perToken: 0, perAttentionPosition: 0, perContextPosition: 0, perSequence: 0)
    #expect(negative.predict(StepFeatures()) == LatencyModel.minimumPrediction)
    #expect(LatencyModel(coefficients: [1, 2, 3]) == nil)
    #expect(LatencyModel(coefficients: [1, 2, .nan, 4, 5]) == nil)
    #expect(LatencyModel(coefficients: truth.coefficients) == truth)
}

@Test func maxTokensFittingIsTheBoundary() {
    var base = StepFeatures()
    for _ in 0 ..< 6 { base.add(newTokens: 1, cachedTokens: 500) }
    for cached in [0, 17, 900] {
        for budget in [0.02, 0.05, 0.2, 0.9] {
            let limit = 512
            let p = truth.maxTokens(fitting: budget, base: base, cachedTokens: cached, limit: limit)
            #expect(p >= 0 && p <= limit)
            func predicted(_ n: Int) -> Double { truth.predict(base.adding(newTokens: n, cachedTokens: cached)) }
            if p > 0 { #expect(predicted(p) <= budget, "p=\(p) cached=\(cached) budget=\(budget)") }
            if p < limit { #expect(predicted(p + 1) > budget, "p=\(p) cached=\(cached) budget=\(budget)") }
        }
    }
    // Nothing fits: the base alone is over budget. Everything fits: the limit.
    #expect(truth.maxTokens(fitting: 0.001, base: base, cachedTokens: 0, limit: 100) == 0)
    #expect(truth.maxTokens(fitting: 100, base: base, cachedTokens: 0, limit: 100) == 100)
    #expect(truth.maxTokens(fitting: 100, base: base, cachedTokens: 0, limit: 0) == 0)
    #expect(truth.maxTokens(fitting: 100, base: base, cachedTokens: 0, limit: 1) == 1)
}

@Test func contextCostsEverySequenceNotOnlyDecodes() {
    // Each sequence reads its whole cached context, whatever its chunk size.
    let model = LatencyModel(perStep: 0, perToken: 0, perAttentionPosition: 0, perContextPosition: 1e-5, perSequence: 0)
    let chunk = model.predict(StepFeatures().adding(newTokens: 8, cachedTokens: 1000))
    let decode = model.predict(StepFeatures().adding(newTokens: 1, cachedTokens: 1000))
    #expect(abs(chunk - 0.01) < 1e-12 && abs(decode - 0.01) < 1e-12)
}

@Test func absolutePercentageObjectiveMinimizesTheMetric() throws {
    // Noise plus a few steps the model's form cannot explain (as tiny chunks at long
    // contexts are on real machines): the default objective is at least as good as least
    // squares on the error it is judged by, and is not dragged toward the outliers.
    var set = samples(truth, noise: 0.02, seed: 3)
    for i in stride(from: 0, to: set.count, by: 9) { set[i].seconds *= 1.4 }
    let mape = try LatencyModel.fit(set, objective: .absolutePercentage)
    let squares = try LatencyModel.fit(set, objective: .squaredRelative)
    #expect(mape.meanAbsolutePercentageError(set) <= squares.meanAbsolutePercentageError(set))
    let clean = samples(truth)
    #expect(mape.meanAbsolutePercentageError(clean) < squares.meanAbsolutePercentageError(clean))
    #expect(mape.coefficients.allSatisfy { $0.isFinite && $0 >= 0 })
}
