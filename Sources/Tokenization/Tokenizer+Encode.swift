extension Tokenizer {
    /// Token ids for `text`.
    /// - Parameters:
    ///   - addSpecial: put BOS first / EOS last where the model asks for them (`addBOS`,
    ///     `addEOS`). BOS is not doubled when the text itself starts with it.
    ///   - parseSpecial: match control tokens spelled in the text (`<|im_start|>`) as
    ///     themselves; when false they are tokenized as plain text. User-defined tokens are
    ///     always matched.
    public func encode(_ text: String, addSpecial: Bool = false, parseSpecial: Bool = true) -> [Int32] {
        let bytes = Array(text.utf8)
        var out: [Int32] = []
        out.reserveCapacity(bytes.count / 3 + 2)
        let fragments = specials.split(bytes, parseSpecial: parseSpecial)

        switch model {
        case let .byteLevelBPE(preTokenizer):
            var scratch = BytePairMerger.Scratch()
            var scalars: [UInt32] = [], classes: [UInt8] = [], offsets: [Int] = [], words: [Range<Int>] = []
            bytes.withUnsafeBufferPointer { t in
                for fragment in fragments {
                    switch fragment {
                    case let .token(id):
                        out.append(id)
                    case let .text(range):
                        encodeByteLevel(t, range, preTokenizer, &out, &scratch, &scalars, &classes, &offsets, &words)
                    }
                }
            }

        case .sentencePiece:
            guard let sentencePiece else { break }
            var previousWasSpecial = true
            for fragment in fragments {
                switch fragment {
                case let .token(id):
                    out.append(id)
                    previousWasSpecial = true
                case let .text(range):
                    var escaped: [UInt8] = []
                    escaped.reserveCapacity(range.count + 3)
                    if addSpacePrefix && previousWasSpecial { escaped.append(contentsOf: [0xE2, 0x96, 0x81]) }
                    for b in bytes[range] {
                        if b == 0x20 { escaped.append(contentsOf: [0xE2, 0x96, 0x81]) } else { escaped.append(b) }
                    }
                    sentencePiece.encode(escaped, into: &out)
                    previousWasSpecial = false
                }
            }
        }

        if addSpecial {
            if addBOS, let bosID, out.first != bosID { out.insert(bosID, at: 0) }
            if addEOS, let eosID { out.append(eosID) }
        }
        return out
    }

    /// Byte-level BPE of one stretch of plain text: split into words, merge each word.
    private func encodeByteLevel(
        _ t: UnsafeBufferPointer<UInt8>, _ range: Range<Int>, _ preTokenizer: PreTokenizer,
        _ out: inout [Int32], _ scratch: inout BytePairMerger.Scratch,
        _ scalars: inout [UInt32], _ classes: inout [UInt8], _ offsets: inout [Int], _ words: inout [Range<Int>]
    ) {
        guard let bytePair else { return }
        scalars.removeAll(keepingCapacity: true)
        classes.removeAll(keepingCapacity: true)
        offsets.removeAll(keepingCapacity: true)
        words.removeAll(keepingCapacity: true)
        // Decode the (valid, since it came from a String) UTF-8 into scalars and their byte offsets.
        var i = range.lowerBound
        let end = range.upperBound
        while i < end {
            let b = UInt32(t[i])
            let v: UInt32
            let n: Int
            if b < 0x80 {
                v = b; n = 1
            } else if b < 0xE0 {
                v = (b & 0x1F) << 6 | UInt32(t[i + 1] & 0x3F); n = 2
            } else if b < 0xF0 {
                v = (b & 0x0F) << 12 | UInt32(t[i + 1] & 0x3F) << 6 | UInt32(t[i + 2] & 0x3F); n = 3
            } else {
                v = (b & 0x07) << 18 | UInt32(t[i + 1] & 0x3F) << 12 | UInt32(t[i + 2] & 0x3F) << 6
                    | UInt32(t[i + 3] & 0x3F); n = 4
            }
            scalars.append(v)
            classes.append(CharacterClass.of(v))
            offsets.append(i)
            i += n
        }
        offsets.append(end)

        preTokenizer.split(scalars, classes, into: &words)
        for word in words {
            let byteRange = offsets[word.lowerBound]..<offsets[word.upperBound]
            let slice = UnsafeBufferPointer(rebasing: t[byteRange])
            if let wholeWords, let id = wholeWords[Array(slice)] {
                out.append(id)
                continue
            }
            bytePair.encode(slice, into: &out, scratch: &scratch)
        }
    }
}
