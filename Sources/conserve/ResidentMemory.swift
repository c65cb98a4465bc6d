import Foundation

/// This process's resident memory from /proc/self/status (VmRSS now, VmHWM its peak), in bytes;
/// zero where there is no /proc (macOS).
struct ResidentMemory {
    var resident = 0
    var peak = 0

    static func current() -> ResidentMemory {
        guard let status = try? String(contentsOfFile: "/proc/self/status", encoding: .utf8) else { return ResidentMemory() }
        var memory = ResidentMemory()
        for line in status.split(separator: "\n") {
            let fields = line.split(whereSeparator: { $0 == " " || $0 == "\t" })
            guard fields.count >= 2, let kib = Int(fields[1]) else { continue }
            if fields[0] == "VmRSS:" { memory.resident = kib * 1024 }
            if fields[0] == "VmHWM:" { memory.peak = kib * 1024 }
        }
        return memory
    }
}
