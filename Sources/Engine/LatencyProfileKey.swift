import Foundation
import Kernels

/// What a latency profile is valid for: the same model bytes, the same CPU, the same thread
/// count, the same kernel level and the same KV cache element. Change any of them and step
/// times change, so the profile is looked up under all five.
public struct LatencyProfileKey: Sendable, Codable, Hashable {
    /// `fnv1a64-words:` and 16 hex digits: the model file's bytes hashed (see `modelHash(path:)`).
    public var modelHash: String
    /// The CPU's "model name" from /proc/cpuinfo (the brand string on macOS).
    public var cpuModel: String
    public var threads: Int
    /// The kernel level the forward pass runs (`CONSERVE_KERNELS` can force a slower one).
    public var kernels: String
    /// What the KV cache stores (`f16`): attention's cost per position depends on it. A profile
    /// written before this field existed does not decode, so it is measured again.
    public var kvCache: String

    /// The element the engine's KV pool stores today.
    public static let currentKVCache = "f16"

    public init(modelHash: String, cpuModel: String, threads: Int, kernels: String, kvCache: String = currentKVCache) {
        self.modelHash = modelHash
        self.cpuModel = cpuModel
        self.threads = threads
        self.kernels = kernels
        self.kvCache = kvCache
    }

    /// The key for the model file at `modelPath` run with `threads` threads on this machine.
    public static func current(modelPath: String, threads: Int) throws(LatencyProfileStoreError) -> LatencyProfileKey {
        LatencyProfileKey(modelHash: try modelHash(path: modelPath), cpuModel: currentCPUModel(),
                          threads: threads, kernels: MatmulKernels.level.rawValue)
    }

    /// The file name the profile is stored under: readable, and only `[a-z0-9._-]`.
    public var fileName: String {
        let hash = modelHash.split(separator: ":").last.map(String.init) ?? modelHash
        return "\(Self.slug(hash))-\(Self.slug(cpuModel))-\(threads)t-\(Self.slug(kernels))-kv-\(Self.slug(kvCache)).json"
    }

    private static func slug(_ text: String) -> String {
        var result = ""
        var lastWasDash = true
        for scalar in text.lowercased().unicodeScalars {
            if ("a" ... "z").contains(scalar) || ("0" ... "9").contains(scalar) {
                result.unicodeScalars.append(scalar)
                lastWasDash = false
            } else if !lastWasDash {
                result += "-"
                lastWasDash = true
            }
        }
        while result.hasSuffix("-") { result.removeLast() }
        return result.isEmpty ? "unknown" : String(result.prefix(60))
    }

    /// The model file's identity: FNV-1a over its 64-bit little-endian words (the tail
    /// zero-padded), then the length, then a final avalanche (MurmurHash3's fmix64).
    ///
    /// Not cryptographic, and it need not be: it only tells files apart so a profile is not
    /// reused for another model. Each step `(h ^ word) · prime` is a bijection of h, so two
    /// files of equal length that differ in one word always hash differently. It runs at
    /// every engine start, and a word at a time it is cheap: 0.03 s for the 98 MB default
    /// model in a release build on the 2-core reference machine.
    public static func modelHash(path: String) throws(LatencyProfileStoreError) -> String {
        let data: Data
        do { data = try Data(contentsOf: URL(fileURLWithPath: path), options: .alwaysMapped) } catch {
            throw .cannotReadModel(path, error.localizedDescription)
        }
        let hash = data.withUnsafeBytes { fnv1a64Words($0) }
        let hex = String(hash, radix: 16)
        return "fnv1a64-words:" + String(repeating: "0", count: 16 - hex.count) + hex
    }

    static func fnv1a64Words(_ bytes: UnsafeRawBufferPointer) -> UInt64 {
        let prime: UInt64 = 0x0000_0100_0000_01B3
        var h: UInt64 = 0xCBF2_9CE4_8422_2325
        let wordCount = bytes.count / 8
        if let base = bytes.baseAddress {
            for i in 0 ..< wordCount {
                h = (h ^ UInt64(littleEndian: base.loadUnaligned(fromByteOffset: i * 8, as: UInt64.self))) &* prime
            }
            var tail: UInt64 = 0
            for i in wordCount * 8 ..< bytes.count { tail |= UInt64(bytes[i]) << (8 * UInt64(i - wordCount * 8)) }
            if bytes.count % 8 != 0 { h = (h ^ tail) &* prime }
        }
        h = (h ^ UInt64(bytes.count)) &* prime
        h ^= h >> 33
        h &*= 0xFF51_AFD7_ED55_8CCD
        h ^= h >> 33
        h &*= 0xC4CE_B9FE_1A85_EC53
        h ^= h >> 33
        return h
    }

    /// This machine's CPU model name, or "unknown CPU" where it cannot be read.
    public static func currentCPUModel() -> String {
        #if os(Linux)
        if let cpuinfo = try? String(contentsOfFile: "/proc/cpuinfo", encoding: .utf8) {
            for line in cpuinfo.split(separator: "\n") where line.hasPrefix("model name") {
                if let colon = line.firstIndex(of: ":") {
                    let name = line[line.index(after: colon)...].trimmingCharacters(in: .whitespaces)
                    if !name.isEmpty { return name }
                }
            }
        }
        #elseif canImport(Darwin)
        var size = 0
        if sysctlbyname("machdep.cpu.brand_string", nil, &size, nil, 0) == 0, size > 0 {
            var buffer = [CChar](repeating: 0, count: size)
            if sysctlbyname("machdep.cpu.brand_string", &buffer, &size, nil, 0) == 0 {
                return String(decoding: buffer.prefix { $0 != 0 }.map { UInt8(bitPattern: $0) }, as: UTF8.self)
            }
        }
        #endif
        return "unknown CPU"
    }
}
