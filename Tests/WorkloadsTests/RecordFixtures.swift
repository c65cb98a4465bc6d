@testable import Workloads

/// Builds a record with the given times; `finished` defaults to the last token's time.
func record(
    _ workClass: WorkClass, sent: Double, prompt: Int = 10, tokens: [Double],
    finished: Double? = nil, unfinished: Bool = false, error: String? = nil
) -> RequestRecord {
    var r = RequestRecord(workClass: workClass, sent: sent, promptTokens: prompt, requestedOutputTokens: tokens.count)
    r.tokenTimes = tokens
    r.finished = unfinished ? nil : (finished ?? tokens.last ?? sent)
    r.error = error
    return r
}

/// Whether `a` and `b` agree to a relative 1e-12 (sums may be ordered differently from numpy's).
func nearlyEqual(_ a: Double?, _ b: Double) -> Bool {
    guard let a else { return false }
    return abs(a - b) <= 1e-12 * max(abs(a), abs(b), 1)
}
