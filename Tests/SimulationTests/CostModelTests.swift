import Foundation
import Scheduling
@testable import Simulation
import Testing

/// The shipped cost models load, and evaluate to the public figures they were derived from.
@Suite struct CostModelTests {
    @Test func shippedModelsLoadAndValidate() throws {
        #expect(Set(CostModel.shippedNames).isSuperset(of: ["cpu", "h100-llama-3.1-8b", "4xh100-llama-3.1-70b"]))
        for name in CostModel.shippedNames {
            let model = try CostModel.load(name)
            #expect(model.validationError() == nil)
            #expect(model.name == name)
        }
        #expect(throws: CostModelError.self) { try CostModel.load("no-such-model") }
    }

    /// ConServe's 8B figures: a 2,048-token step takes 51 ms at context 0 and 124 ms at 40K;
    /// a single-token decode costs the weight-read floor.
    @Test func h100ModelReproducesItsSources() throws {
        let model = try CostModel.load("h100-llama-3.1-8b")
        let empty = model.seconds(StepFeatures().adding(newTokens: 2048, cachedTokens: 0))
        let long = model.seconds(StepFeatures().adding(newTokens: 2048, cachedTokens: 40_960))
        #expect(abs(empty - 0.051) < 0.0005, "\(empty)")
        #expect(abs(long - 0.124) < 0.0005, "\(long)")
        let decode = model.seconds(StepFeatures().adding(newTokens: 1, cachedTokens: 0))
        #expect(abs(decode - 16.06e9 / 3.35e12) < 1e-4, "\(decode)")
        // Up to the crossover a step costs the floor: small batches are free riders on the weight read.
        let floorTokens = model.weightReadFloor.value / model.perToken.value
        #expect(floorTokens > 150 && floorTokens < 250, "\(floorTokens)")
    }

    @Test func seventyBillionCostsMoreThanEight() throws {
        let small = try CostModel.load("h100-llama-3.1-8b"), large = try CostModel.load("4xh100-llama-3.1-70b")
        for (p, c) in [(1, 0), (64, 2000), (2048, 0), (512, 20_000)] {
            let f = StepFeatures().adding(newTokens: p, cachedTokens: c)
            #expect(large.seconds(f) > small.seconds(f), "p \(p) c \(c)")
        }
    }

    /// Without a floor the cost model is the scheduler's latency model: `cpu` is this
    /// machine's profile, unchanged.
    @Test func withoutFloorItIsTheLatencyModel() throws {
        let fitted = LatencyModel(perStep: 0.004, perToken: 0.0003, perAttentionPosition: 2e-8, perContextPosition: 1e-6, perSequence: 5e-5)
        let model = try CostModel.load("cpu").replacingCoefficients(with: fitted, source: "test")
        var random = SplitMix(state: 3)
        for _ in 0 ..< 50 {
            var f = StepFeatures()
            for _ in 0 ..< Int.random(in: 1 ... 8, using: &random) {
                f.add(newTokens: Int.random(in: 1 ... 256, using: &random), cachedTokens: Int.random(in: 0 ... 4000, using: &random))
            }
            #expect(abs(model.seconds(f) - fitted.predict(f)) <= 1e-12 * max(1, fitted.predict(f)))
        }
    }

    @Test func misPredictionScalesTheTruth() throws {
        let model = try CostModel.load("h100-llama-3.1-8b")
        let f = StepFeatures().adding(newTokens: 300, cachedTokens: 1000)
        #expect(abs(MispredictingModel(base: model, bias: -0.25).predict(f) - 0.75 * model.predict(f)) < 1e-12)
    }
}
