import Kernels

#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// Outlier channels found by `ForwardPass`'s calibration, saved per model file so later loads
/// skip the calibration pass (a 64-token forward pass: about half of the load time of
/// Qwen2.5-Coder-0.5B).
///
/// One small text file per model file, kernel level and calibration shape, in `directory`
/// (by default `$CONSERVE_HOME/calibration`, else `~/.cache/conserve/calibration`). A model
/// file is known by its name, size and modification time, not by a hash of its contents:
/// hashing 500 MB would cost more than the pass it saves. The level is part of the key because
/// levels round differently, which may reorder channels of nearly equal magnitude. A missing,
/// unreadable or malformed entry only means calibrating again.
public struct CalibrationCache: Sendable {
    public let directory: String
    /// `name.size.mtime`, the model file's part of every entry's file name.
    let modelKey: String

    /// The cache for the model file at `modelPath`; nil when the file cannot be stat'ed or no
    /// directory can be named.
    public init?(modelPath: String, directory: String? = nil) {
        var st = stat()
        guard stat(modelPath, &st) == 0 else { return nil }
        let name = modelPath.split(separator: "/").last.map(String.init) ?? modelPath
        #if canImport(Darwin)
        let mtime = "\(st.st_mtimespec.tv_sec).\(st.st_mtimespec.tv_nsec)"
        #else
        let mtime = "\(st.st_mtim.tv_sec).\(st.st_mtim.tv_nsec)"
        #endif
        modelKey = "\(name).\(st.st_size).\(mtime)"
        if let directory {
            self.directory = directory
        } else if let home = getenv("CONSERVE_HOME").map({ String(cString: $0) }), !home.isEmpty {
            self.directory = home + "/calibration"
        } else if let home = getenv("HOME").map({ String(cString: $0) }), !home.isEmpty {
            self.directory = home + "/.cache/conserve/calibration"
        } else {
            return nil
        }
    }

    /// The entry for one calibration shape at the kernel level in use.
    func entryPath(tokens: Int, channels: Int) -> String {
        "\(directory)/\(modelKey).\(MatmulKernels.level.rawValue).t\(tokens)c\(channels).txt"
    }

    private static let header = "conserve-calibration 1"

    /// The saved channel lists, one per matmul job, if an entry exists and fits: as many lists
    /// as `inputWidths`, each `min(channels, width)` ascending channels below its width.
    func load(tokens: Int, channels: Int, inputWidths: [Int]) -> [[Int32]]? {
        guard let text = Self.read(entryPath(tokens: tokens, channels: channels)) else { return nil }
        var lines = text.split(separator: "\n", omittingEmptySubsequences: false)
        if lines.last == "" { lines.removeLast() }
        guard lines.count == inputWidths.count + 1, lines[0] == Self.header else { return nil }
        var result: [[Int32]] = []
        for (line, width) in zip(lines.dropFirst(), inputWidths) {
            let values = line.split(separator: " ").compactMap { Int32($0) }
            guard values.count == min(channels, width), values.allSatisfy({ $0 >= 0 && Int($0) < width }),
                  zip(values, values.dropFirst()).allSatisfy({ $0 < $1 }) else { return nil }
            result.append(values)
        }
        return result
    }

    /// Saves the channel lists; failures are ignored (the next load calibrates again). Written
    /// to a temporary file and renamed, so a concurrent load never reads half an entry.
    func save(tokens: Int, channels: Int, lists: [[Int32]]) {
        Self.makeDirectories(directory)
        let path = entryPath(tokens: tokens, channels: channels)
        let temporary = path + ".tmp.\(getpid())"
        let text = ([Self.header] + lists.map { $0.map(String.init).joined(separator: " ") }).joined(separator: "\n") + "\n"
        guard let f = fopen(temporary, "w") else { return }
        let bytes = Array(text.utf8)
        let written = fwrite(bytes, 1, bytes.count, f)
        let closed = fclose(f)
        if written == bytes.count, closed == 0, rename(temporary, path) == 0 { return }
        unlink(temporary)
    }

    private static func read(_ path: String) -> String? {
        guard let f = fopen(path, "r") else { return nil }
        defer { fclose(f) }
        var bytes: [UInt8] = []
        var chunk = [UInt8](repeating: 0, count: 65536)
        while true {
            let n = fread(&chunk, 1, chunk.count, f)
            if n > 0 { bytes.append(contentsOf: chunk[0 ..< n]) }
            if n < chunk.count { break }
        }
        return String(decoding: bytes, as: UTF8.self)
    }

    private static func makeDirectories(_ path: String) {
        var prefix = path.hasPrefix("/") ? "" : "."
        for part in path.split(separator: "/") {
            prefix += "/" + part
            mkdir(prefix, 0o755)  // EEXIST is fine; a real failure shows up when the entry is written
        }
    }
}
