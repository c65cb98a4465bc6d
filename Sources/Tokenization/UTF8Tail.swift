/// UTF-8 facts the encoder and the incremental detokenizer need.
enum UTF8Tail {
    /// The length a sequence starting with `lead` claims (1 for ASCII and for bytes that cannot
    /// start a sequence, so that every byte is covered by exactly one symbol).
    @inline(__always)
    static func sequenceLength(lead: UInt8) -> Int {
        switch lead {
        case 0xC0...0xDF: 2
        case 0xE0...0xEF: 3
        case 0xF0...0xF7: 4
        default: 1
        }
    }

    /// The number of bytes at the end of `bytes` that form an incomplete but still possibly
    /// valid UTF-8 sequence (0 to 3): bytes that may yet become a character when more arrive.
    /// Everything before them decodes the same whatever comes next, because a valid lead
    /// byte always starts a fresh sequence.
    static func pendingCount(_ bytes: [UInt8]) -> Int {
        let n = bytes.count
        // Look back at most 3 bytes for the lead byte of the last sequence.
        for back in 1...min(3, max(n, 1)) where back <= n {
            let lead = bytes[n - back]
            if lead & 0xC0 == 0x80 { continue } // a continuation byte: keep looking back
            let needed: Int
            switch lead {
            case 0xC2...0xDF: needed = 2
            case 0xE0...0xEF: needed = 3
            case 0xF0...0xF4: needed = 4
            default: return 0 // ASCII or a byte that can never start a sequence
            }
            guard back < needed else { return 0 } // complete (or over-long: already decided)
            // The second byte has a narrower range after some leads (no over-long forms,
            // no surrogates, nothing past U+10FFFF).
            if back >= 2 {
                let second = bytes[n - back + 1]
                let ok: Bool
                switch lead {
                case 0xE0: ok = (0xA0...0xBF).contains(second)
                case 0xED: ok = (0x80...0x9F).contains(second)
                case 0xF0: ok = (0x90...0xBF).contains(second)
                case 0xF4: ok = (0x80...0x8F).contains(second)
                default: ok = true
                }
                if !ok { return 0 }
            }
            return back
        }
        return 0
    }
}
