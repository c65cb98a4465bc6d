/// Conversions between IEEE half / bfloat16 bit patterns and Float, written out in integer
/// arithmetic so they behave the same on every platform (no dependence on `Float16` support).
public enum HalfFloat {
    /// The exact Float value of an IEEE 754 binary16 bit pattern (subnormals, infinities and NaNs
    /// included; a NaN keeps its payload shifted into the Float mantissa).
    @inline(__always)
    public static func toFloat(_ h: UInt16) -> Float {
        let sign = UInt32(h & 0x8000) << 16
        let exponent = UInt32(h >> 10) & 0x1F
        let mantissa = UInt32(h & 0x03FF)
        if exponent == 0 {
            // Zero or subnormal: mantissa · 2^-24, exact in Float.
            let magnitude = Float(mantissa) * 0x1p-24
            return Float(bitPattern: magnitude.bitPattern | sign)
        }
        if exponent == 31 {
            return Float(bitPattern: sign | 0x7F80_0000 | (mantissa << 13))
        }
        return Float(bitPattern: sign | ((exponent + 112) << 23) | (mantissa << 13))
    }

    /// The binary16 bit pattern nearest to `x` (round half to even; overflow gives infinity).
    public static func fromFloat(_ x: Float) -> UInt16 {
        let bits = x.bitPattern
        let sign = UInt16((bits >> 16) & 0x8000)
        let exponent = Int((bits >> 23) & 0xFF)
        var mantissa = bits & 0x7F_FFFF
        if exponent == 0xFF {  // inf / NaN
            return sign | 0x7C00 | (mantissa != 0 ? 0x200 | UInt16(mantissa >> 13) : 0)
        }
        let e = exponent - 127 + 15
        if e >= 31 { return sign | 0x7C00 }
        if e <= 0 {
            // Subnormal half (or zero): shift the full significand into place with rounding.
            if e < -10 { return sign }
            mantissa |= 0x80_0000
            let shift = UInt32(14 - e)
            let half = UInt32(1) << (shift - 1)
            let rest = mantissa & ((UInt32(1) << shift) - 1)
            var m = mantissa >> shift
            if rest > half || (rest == half && (m & 1) == 1) { m += 1 }
            return sign | UInt16(m)
        }
        var h = UInt32(e) << 10 | (mantissa >> 13)
        let rest = mantissa & 0x1FFF
        if rest > 0x1000 || (rest == 0x1000 && (h & 1) == 1) { h += 1 }  // may carry into the exponent: correct
        return sign | UInt16(h)
    }

    /// The exact Float value of a bfloat16 bit pattern.
    @inline(__always)
    public static func bf16ToFloat(_ b: UInt16) -> Float { Float(bitPattern: UInt32(b) << 16) }

    /// The bfloat16 bit pattern nearest to `x` (round half to even; NaNs stay quiet NaNs).
    public static func bf16FromFloat(_ x: Float) -> UInt16 {
        let n = x.bitPattern
        if n & 0x7FFF_FFFF > 0x7F80_0000 { return UInt16(n >> 16) | 0x40 }
        return UInt16((UInt64(n) + UInt64(0x7FFF + ((n >> 16) & 1))) >> 16)
    }
}
