/// Fitting a `LatencyModel` to measured steps.
extension LatencyModel {
    /// What the fit minimizes over the samples, with e_i = predicted − measured and t_i the
    /// measured time.
    public enum Objective: String, Sendable, Codable, CaseIterable {
        /// Σ |e_i| / t_i: the mean absolute percentage error itself, the metric the model is
        /// judged by. Solved by iteratively reweighted least squares from `.squaredRelative`.
        case absolutePercentage
        /// Σ (e_i / t_i)²: least squares on relative errors.
        case squaredRelative
        /// Σ e_i²: plain least squares; long steps dominate and short ones may be far off.
        case squaredAbsolute
    }

    /// Fewest samples `fit` accepts: one per coefficient.
    public static let minimumSampleCount = 5

    /// The non-negative coefficients that best explain `samples` under `objective`.
    ///
    /// A relative objective is the default because the model is used, and judged, by its
    /// relative error: the scheduler sizes 6 ms decode steps and 1 s prefill steps with the
    /// same model, and a 2 ms miss matters on the first, not on the second. Of the three,
    /// `.absolutePercentage` minimizes the metric itself, and it lets the few shapes the
    /// model's form cannot capture (tiny prefill chunks at long contexts) stay off instead
    /// of pulling every other shape toward them. On eleven profiles of SmolLM2-135M with two
    /// threads (AVX2; three sweep variants), its held-out mean error was below
    /// `.squaredRelative`'s on eight (by up to 1.1 points; at most 0.4 above on the other
    /// three) and below `.squaredAbsolute`'s on ten (by up to 6.5 points; 1.2 above on the
    /// eleventh). `conserve profile` prints all three, so the choice can be checked on any
    /// machine.
    ///
    /// Non-negativity is exact: with five regressors every subset of them is tried (31 least
    /// squares solves of a few hundred rows), and the best fit whose coefficients are all
    /// ≥ 0 wins. A regressor that never varies in the samples, such as the context in a
    /// profile run at a single context, gets coefficient 0 instead of making the fit singular.
    public static func fit(_ samples: [LatencySample], objective: Objective = .absolutePercentage) throws(LatencyModelError) -> LatencyModel {
        guard samples.count >= minimumSampleCount else {
            throw .tooFewSamples(found: samples.count, needed: minimumSampleCount)
        }
        for (index, sample) in samples.enumerated() {
            guard sample.seconds.isFinite, sample.seconds > 0 else {
                throw .invalidSample(index: index, reason: "measured time \(sample.seconds) s is not a positive number")
            }
            guard sample.features.vector.allSatisfy({ $0.isFinite && $0 >= 0 }) else {
                throw .invalidSample(index: index, reason: "features \(sample.features.vector) are not all finite and non-negative")
            }
        }
        let rows = samples.map(\.features.vector)
        let targets = samples.map(\.seconds)
        let relative = targets.map { 1 / $0 }
        guard var coefficients = nonNegativeLeastSquares(rows: rows, targets: targets,
                                                         rowWeights: objective == .squaredAbsolute ? targets.map { _ in 1 } : relative)
        else { throw .noSolution }

        if objective == .absolutePercentage {
            // IRLS: weighting each squared relative error by 1 / |relative error| turns the
            // squares into absolute values at the fixed point. Keep the best iterate, so the
            // result is never worse than the least-squares start.
            func meanRelativeError(_ c: [Double]) -> Double {
                zip(rows, targets).reduce(0) { $0 + abs(dot($1.0, c) - $1.1) / $1.1 } / Double(rows.count)
            }
            var best = (coefficients: coefficients, error: meanRelativeError(coefficients))
            for _ in 0 ..< 40 {
                // The floor keeps a row that fits exactly from taking all the weight.
                let weights = zip(rows, targets).map { row, t in (1 / t) / max(abs(dot(row, coefficients) - t) / t, 1e-4).squareRoot() }
                guard let next = nonNegativeLeastSquares(rows: rows, targets: targets, rowWeights: weights) else { break }
                coefficients = next
                let error = meanRelativeError(next)
                if error < best.error - 1e-12 { best = (next, error) } else if error >= best.error { break }
            }
            coefficients = best.coefficients
        }
        guard let model = LatencyModel(coefficients: coefficients) else { throw .noSolution }
        return model
    }

    /// min Σ (w_i·(row_i·c − t_i))² over c ≥ 0, by trying every subset of columns; nil only if
    /// no subset gives finite non-negative coefficients (cannot happen for positive targets,
    /// non-negative rows and a constant column: that column alone always qualifies).
    private static func nonNegativeLeastSquares(rows: [[Double]], targets: [Double], rowWeights: [Double]) -> [Double]? {
        let columnCount = rows.first?.count ?? 0
        let weightedRows = zip(rows, rowWeights).map { row, w in row.map { $0 * w } }
        let weightedTargets = zip(targets, rowWeights).map { $0 * $1 }
        var best: (coefficients: [Double], residual: Double)?
        for mask in 1 ..< (1 << columnCount) {
            let columns = (0 ..< columnCount).filter { mask & (1 << $0) != 0 }
            let subset = LeastSquares.solve(rows: weightedRows.map { row in columns.map { row[$0] } }, targets: weightedTargets,
                                            columnCount: columns.count)
            guard subset.allSatisfy({ $0 >= 0 }) else { continue }
            var coefficients = [Double](repeating: 0, count: columnCount)
            for (c, j) in columns.enumerated() { coefficients[j] = subset[c] }
            var residual = 0.0
            for (row, target) in zip(weightedRows, weightedTargets) {
                let e = dot(row, coefficients) - target
                residual += e * e
            }
            guard residual.isFinite else { continue }
            if best == nil || residual < best!.residual { best = (coefficients, residual) }
        }
        return best?.coefficients
    }

    private static func dot(_ a: [Double], _ b: [Double]) -> Double {
        var sum = 0.0
        for i in a.indices { sum += a[i] * b[i] }
        return sum
    }
}

/// Why a latency model could not be fitted.
public enum LatencyModelError: Error, Equatable, CustomStringConvertible {
    case tooFewSamples(found: Int, needed: Int)
    case invalidSample(index: Int, reason: String)
    case noSolution

    public var description: String {
        switch self {
        case let .tooFewSamples(found, needed):
            "cannot fit the latency model from \(found) measured steps; it needs at least \(needed). Profile more step shapes (run `conserve profile`)."
        case let .invalidSample(index, reason):
            "measured step \(index) cannot be used for the latency model: \(reason). Profile again (`conserve profile --force`)."
        case .noSolution:
            "the latency model fit found no finite non-negative coefficients for these measurements. Profile again (`conserve profile --force`)."
        }
    }
}
