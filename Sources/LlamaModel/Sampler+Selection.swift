/// Partial selection and sorting of token ids by descending logit, ties to the lower id.
/// That order is total (NaN excepted), so quickselect and quicksort need no special care for
/// equal keys. Neither allocates; recursion depth is logarithmic.
enum SamplerSelection {
    /// True when id `a` comes before id `b`: higher logit, or equal logit and lower id.
    @inline(__always)
    static func precedes(_ a: Int32, _ b: Int32, _ order: UnsafePointer<Float>) -> Bool {
        let x = order[Int(a)]
        let y = order[Int(b)]
        return x > y || (x == y && a < b)
    }

    /// Rearranges `ids[lower..<upper]` so that its first `k` entries are the `k` best of the
    /// range, in no particular order (nth_element-style quickselect).
    static func select(
        _ ids: UnsafeMutablePointer<Int32>, _ lower: Int, _ upper: Int, _ k: Int,
        _ order: UnsafePointer<Float>
    ) {
        let boundary = lower + k
        guard k > 0 && boundary < upper else { return }
        var lo = lower
        var hi = upper
        while hi - lo > 16 {
            let p = partition(ids, lo, hi, order)
            if p == boundary || p + 1 == boundary { return }
            if boundary < p { hi = p } else { lo = p + 1 }
        }
        insertionSort(ids, lo, hi, order)
    }

    /// Sorts `ids[lower..<upper]` into order.
    static func sort(
        _ ids: UnsafeMutablePointer<Int32>, _ lower: Int, _ upper: Int,
        _ order: UnsafePointer<Float>
    ) {
        var lo = lower
        var hi = upper
        while hi - lo > 16 {
            let p = partition(ids, lo, hi, order)
            // Recurse into the smaller side, loop on the larger.
            if p - lo < hi - p - 1 {
                sort(ids, lo, p, order)
                lo = p + 1
            } else {
                sort(ids, p + 1, hi, order)
                hi = p
            }
        }
        insertionSort(ids, lo, hi, order)
    }

    /// Lomuto partition around the median of first, middle and last; returns the pivot's
    /// final index: everything before it precedes it, everything after it follows it.
    private static func partition(
        _ ids: UnsafeMutablePointer<Int32>, _ lo: Int, _ hi: Int,
        _ order: UnsafePointer<Float>
    ) -> Int {
        let mid = lo + (hi - lo) / 2
        let last = hi - 1
        if precedes(ids[mid], ids[lo], order) { ids.swapAt(mid, lo) }
        if precedes(ids[last], ids[lo], order) { ids.swapAt(last, lo) }
        if precedes(ids[last], ids[mid], order) { ids.swapAt(last, mid) }
        ids.swapAt(mid, last)  // median to the end as the pivot
        let pivot = ids[last]
        var store = lo
        for i in lo..<last where precedes(ids[i], pivot, order) {
            ids.swapAt(i, store)
            store += 1
        }
        ids.swapAt(store, last)
        return store
    }

    private static func insertionSort(
        _ ids: UnsafeMutablePointer<Int32>, _ lo: Int, _ hi: Int,
        _ order: UnsafePointer<Float>
    ) {
        guard hi - lo > 1 else { return }
        for i in (lo + 1)..<hi {
            let id = ids[i]
            var j = i
            while j > lo && precedes(id, ids[j - 1], order) {
                ids[j] = ids[j - 1]
                j -= 1
            }
            ids[j] = id
        }
    }
}

extension UnsafeMutablePointer {
    @inline(__always)
    fileprivate func swapAt(_ i: Int, _ j: Int) {
        let t = self[i]
        self[i] = self[j]
        self[j] = t
    }
}
