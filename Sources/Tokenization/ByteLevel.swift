/// The reversible byte <-> character map of byte-level BPE (GPT-2): every byte value gets a
/// printable character, so that a vocabulary of strings can spell arbitrary bytes. Printable
/// Latin-1 bytes stand for themselves; the others (controls, space, DEL, NBSP, soft hyphen) are
/// moved, in byte order, to U+0100 and up.
enum ByteLevel {
    static func standsForItself(_ byte: Int) -> Bool {
        (33...126).contains(byte) || (161...172).contains(byte) || (174...255).contains(byte)
    }

    /// Byte value -> the Unicode scalar value that spells it.
    static let scalarForByte: [UInt32] = {
        var table = [UInt32](repeating: 0, count: 256)
        var shifted: UInt32 = 256
        for byte in 0..<256 {
            if standsForItself(byte) {
                table[byte] = UInt32(byte)
            } else {
                table[byte] = shifted
                shifted += 1
            }
        }
        return table
    }()

    /// Scalar value (below 324) -> the byte it spells, or -1.
    static let byteForScalar: [Int16] = {
        var table = [Int16](repeating: -1, count: 324)
        for (byte, scalar) in scalarForByte.enumerated() { table[Int(scalar)] = Int16(byte) }
        return table
    }()

    /// The bytes a byte-level vocabulary string stands for. A character outside the map (which a
    /// well-formed vocabulary never holds) stands for its own UTF-8 encoding.
    static func bytes(of piece: String) -> [UInt8] {
        var out: [UInt8] = []
        out.reserveCapacity(piece.utf8.count)
        for scalar in piece.unicodeScalars {
            let v = scalar.value
            if v < 324, byteForScalar[Int(v)] >= 0 {
                out.append(UInt8(byteForScalar[Int(v)]))
            } else {
                out.append(contentsOf: String(scalar).utf8)
            }
        }
        return out
    }

    /// The byte-level vocabulary spelling of raw bytes.
    static func spelling(of bytes: some Sequence<UInt8>) -> String {
        var s = String.UnicodeScalarView()
        for b in bytes { s.append(Unicode.Scalar(scalarForByte[Int(b)])!) }
        return String(s)
    }
}
