import Scheduling
import Testing

@Suite struct OutputLengthPredictorTests {
    @Test func coldStartThenTheBucketsQuantileCappedByMaxTokens() {
        var predictor = OutputLengthPredictor(quantile: 0.9, window: 64, coldStart: 100)
        #expect(predictor.predict(promptTokens: 50, online: false, maxTokens: 300) == 100)
        #expect(predictor.predict(promptTokens: 50, online: false, maxTokens: 40) == 40)
        for length in 10 ..< 30 { predictor.observe(promptTokens: 40 + length % 8, online: false, predicted: nil, actual: length) }
        // 20 lengths 10…29 in the 32–63 bucket: the 90% nearest-rank quantile is the 18th, 27.
        #expect(predictor.predict(promptTokens: 50, online: false, maxTokens: 300) == 27)
        #expect(predictor.predict(promptTokens: 50, online: false, maxTokens: 20) == 20)
        // Another bucket with no samples borrows its class's; the other class has none yet.
        #expect(predictor.predict(promptTokens: 1000, online: false, maxTokens: 300) == 27)
        #expect(predictor.predict(promptTokens: 50, online: true, maxTokens: 300) == 100)
    }

    @Test func accuracyCountsCoverageAndError() {
        var predictor = OutputLengthPredictor()
        predictor.observe(promptTokens: 10, online: true, predicted: 20, actual: 10)
        predictor.observe(promptTokens: 10, online: true, predicted: 20, actual: 30)
        predictor.observe(promptTokens: 10, online: true, predicted: nil, actual: 5)
        #expect(predictor.accuracy.count == 2)
        #expect(predictor.accuracy.coverage == 0.5)
        #expect(predictor.accuracy.meanAbsoluteError == 10)
        #expect(predictor.accuracy.relativeError == 0.5)
    }

    @Test func theWindowForgetsOldLengths() {
        var predictor = OutputLengthPredictor(quantile: 1.0, window: 8, coldStart: 1)
        for _ in 0 ..< 8 { predictor.observe(promptTokens: 16, online: false, predicted: nil, actual: 500) }
        for _ in 0 ..< 8 { predictor.observe(promptTokens: 16, online: false, predicted: nil, actual: 5) }
        #expect(predictor.predict(promptTokens: 16, online: false, maxTokens: 1000) == 5)
    }
}
