extension Tokenizer {
    /// The text `ids` stand for. Bytes that do not form valid UTF-8 become U+FFFD.
    /// - Parameter skipSpecial: leave out control and unknown tokens (`<|im_end|>`, `<s>`).
    public func decode(_ ids: [Int32], skipSpecial: Bool = false) -> String {
        var bytes: [UInt8] = []
        bytes.reserveCapacity(ids.count * 4)
        var stripSpace = stripsLeadingSpace
        for id in ids { appendDecoded(id, skipSpecial: skipSpecial, stripSpace: &stripSpace, to: &bytes) }
        return String(decoding: bytes, as: UTF8.self)
    }

    /// Where each of `ids` starts in `decode(ids, skipSpecial:)`, in UTF-8 bytes of the decoded
    /// bytes (the legacy completions API's `text_offset`). A token that adds nothing (a
    /// skipped special token) starts where the next one does. Exact when the decoded bytes are
    /// valid UTF-8; otherwise `decode` widens each bad byte to U+FFFD and offsets after it fall short.
    public func decodedOffsets(_ ids: [Int32], skipSpecial: Bool = false) -> [Int] {
        var bytes: [UInt8] = []
        var offsets: [Int] = []
        offsets.reserveCapacity(ids.count)
        var stripSpace = stripsLeadingSpace
        for id in ids {
            offsets.append(bytes.count)
            appendDecoded(id, skipSpecial: skipSpecial, stripSpace: &stripSpace, to: &bytes)
        }
        return offsets
    }

    /// SentencePiece with a space prefix: the first space of the decoded text is the one encoding added.
    var stripsLeadingSpace: Bool { model == .sentencePiece && addSpacePrefix }

    /// Appends the bytes `id` contributes to decoded text. `stripSpace` is true until the first
    /// token that yields any bytes; that token loses a leading space.
    func appendDecoded(_ id: Int32, skipSpecial: Bool, stripSpace: inout Bool, to bytes: inout [UInt8]) {
        guard id >= 0, Int(id) < tokens.count else { return }
        switch types[Int(id)] {
        case .control, .unknown:
            if skipSpecial { return }
        case .unused:
            return
        default:
            break
        }
        var start = Int(pieceStart[Int(id)])
        let end = Int(pieceStart[Int(id) + 1])
        guard start < end else { return }
        if stripSpace {
            stripSpace = false
            if pieceData[start] == 0x20 { start += 1 }
        }
        bytes.append(contentsOf: pieceData[start..<end])
    }
}
