// TEMPORARY: stands in for the kernel table until the real kernels land; deleted at merge.
public enum QuantFormat: UInt32, Sendable, CaseIterable { case f32 = 0, f16 = 1, q4_0 = 2, q4_1 = 3, q5_0 = 6, q5_1 = 7, q8_0 = 8, q4_K = 12, q5_K = 13, q6_K = 14, bf16 = 30 }
public enum ActivationFormat: Sendable { case f32, q8x32, q8K
    public func rowBytes(_ k: Int) -> Int { k * 4 } }
extension QuantFormat {
    public var blockElements: Int { self == .f32 ? 1 : 32 }
    public var blockBytes: Int { switch self { case .f32: 4; case .q4_1: 20; case .q8_0: 34; default: 0 } }
    public func rowBytes(_ k: Int) -> Int { k / blockElements * blockBytes }
    public var activationFormat: ActivationFormat { .f32 }
}
public enum Kernels {
    public static func quantizeActivations(_ src: UnsafePointer<Float>, k: Int, for format: QuantFormat, into dst: UnsafeMutableRawPointer) {
        dst.copyMemory(from: src, byteCount: k * 4)
    }
    public static func dequantize(_ format: QuantFormat, _ src: UnsafeRawPointer, into dst: UnsafeMutablePointer<Float>, count: Int) {
        switch format {
        case .f32: dst.update(from: src.assumingMemoryBound(to: Float.self), count: count)
        case .q8_0:
            for b in 0 ..< count / 32 {
                let p = src + b * 34
                let d = Float(Float16(bitPattern: p.loadUnaligned(as: UInt16.self)))
                for j in 0 ..< 32 { dst[b * 32 + j] = d * Float(p.load(fromByteOffset: 2 + j, as: Int8.self)) }
            }
        case .q4_1:
            for b in 0 ..< count / 32 {
                let p = src + b * 20
                let d = Float(Float16(bitPattern: p.loadUnaligned(as: UInt16.self)))
                let m = Float(Float16(bitPattern: p.loadUnaligned(fromByteOffset: 2, as: UInt16.self)))
                for j in 0 ..< 16 {
                    let byte = p.load(fromByteOffset: 4 + j, as: UInt8.self)
                    dst[b * 32 + j] = d * Float(byte & 15) + m
                    dst[b * 32 + j + 16] = d * Float(byte >> 4) + m
                }
            }
        default: fatalError("shim")
        }
    }
    public static func matmul(_ format: QuantFormat, weights: UnsafeRawPointer, rows: Range<Int>, k: Int,
                              activations: UnsafeRawPointer, activationRowBytes: Int, tokens: Int,
                              out: UnsafeMutablePointer<Float>, outStride: Int) {
        let row = UnsafeMutablePointer<Float>.allocate(capacity: k)
        defer { row.deallocate() }
        for r in rows {
            dequantize(format, weights + r * format.rowBytes(k), into: row, count: k)
            for t in 0 ..< tokens {
                let a = (activations + t * activationRowBytes).assumingMemoryBound(to: Float.self)
                var s: Float = 0
                for i in 0 ..< k { s += row[i] * a[i] }
                out[t * outStride + r] = s
            }
        }
    }
}
extension Kernels { public static var level: String { "shim" } }
