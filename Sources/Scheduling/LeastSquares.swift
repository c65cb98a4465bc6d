/// Linear least squares, min ‖A·x − b‖, by Householder QR in Double.
///
/// QR works on A itself rather than on AᵀA, so it loses half as many digits as the normal
/// equations; that matters here because the regressors span ten orders of magnitude (one
/// step constant against attention sums in the millions). Columns are scaled to unit length
/// first, for the same reason.
///
/// It never fails on rank-deficient input: an all-zero column gets coefficient 0, and a
/// tiny ridge (rows √λ·I appended to the scaled system) keeps exactly collinear columns
/// solvable, splitting their weight instead of dividing by zero.
enum LeastSquares {
    /// √λ of the ridge, relative to unit-length columns. Small enough that its bias is far
    /// below timing noise, large enough that R's diagonal never underflows.
    static let ridge = 1e-7

    /// The x minimizing ‖A·x − b‖² + λ‖S·x‖² (S: the column lengths), for `rows` of A.
    /// Every row must have `columnCount` entries; the result has `columnCount` entries, all finite.
    static func solve(rows: [[Double]], targets: [Double], columnCount n: Int) -> [Double] {
        precondition(rows.count == targets.count && rows.allSatisfy { $0.count == n })
        // Scale each column to unit length; remember which columns are all zero.
        var scales = [Double](repeating: 0, count: n)
        for row in rows {
            for j in 0 ..< n { scales[j] += row[j] * row[j] }
        }
        let kept = (0 ..< n).filter { scales[$0] > 0 && scales[$0].isFinite }
        guard !kept.isEmpty else { return [Double](repeating: 0, count: n) }
        for j in kept { scales[j] = scales[j].squareRoot() }

        // The augmented system, column-major: the scaled rows, then √λ·I.
        let m = rows.count + kept.count, k = kept.count
        var a = [Double](repeating: 0, count: m * k)
        var b = [Double](repeating: 0, count: m)
        for (i, row) in rows.enumerated() {
            for (c, j) in kept.enumerated() { a[c * m + i] = row[j] / scales[j] }
            b[i] = targets[i]
        }
        for c in 0 ..< k { a[c * m + rows.count + c] = ridge }

        // Householder QR: reflect column c's tail onto its first entry, apply to the rest and to b.
        var diagonal = [Double](repeating: 0, count: k)
        for c in 0 ..< k {
            var norm = 0.0
            for i in c ..< m { norm += a[c * m + i] * a[c * m + i] }
            norm = norm.squareRoot()
            guard norm > 0 else { continue } // cannot happen with the ridge rows; left as 0 below
            let alpha = a[c * m + c] > 0 ? -norm : norm
            // v = x − alpha·e1, stored in place of the column's tail.
            a[c * m + c] -= alpha
            var vNorm2 = 0.0
            for i in c ..< m { vNorm2 += a[c * m + i] * a[c * m + i] }
            diagonal[c] = alpha
            guard vNorm2 > 0 else { continue }
            for d in c + 1 ..< k {
                var dot = 0.0
                for i in c ..< m { dot += a[c * m + i] * a[d * m + i] }
                let f = 2 * dot / vNorm2
                for i in c ..< m { a[d * m + i] -= f * a[c * m + i] }
            }
            var dot = 0.0
            for i in c ..< m { dot += a[c * m + i] * b[i] }
            let f = 2 * dot / vNorm2
            for i in c ..< m { b[i] -= f * a[c * m + i] }
        }

        // Back-substitution with R: diagonal in `diagonal`, above it in the columns of a.
        var y = [Double](repeating: 0, count: k)
        for c in stride(from: k - 1, through: 0, by: -1) {
            var s = b[c]
            for d in c + 1 ..< k { s -= a[d * m + c] * y[d] }
            y[c] = diagonal[c] != 0 ? s / diagonal[c] : 0
            if !y[c].isFinite { y[c] = 0 }
        }
        var x = [Double](repeating: 0, count: n)
        for (c, j) in kept.enumerated() { x[j] = y[c] / scales[j] }
        return x
    }
}
