import Engine
import Scheduling
import Tokenization
import Workloads

/// The engine in process as `bench serve`'s load target: no HTTP, no JSON; what the scheduler
/// alone does to latency. It lives in the CLI, which links the engine; `Workloads` knows only
/// `LoadTarget`.
struct EngineTarget: LoadTarget {
    let engine: EngineHandle
    let tokenizer: Tokenizer

    init(engine: EngineHandle, tokenizer: Tokenizer) {
        self.engine = engine
        self.tokenizer = tokenizer
    }

    func send(_ request: WorkloadRequest, clock: RunClock) async -> RequestRecord {
        // The server's tokenization of a completion prompt, so both targets run the same ids.
        let prompt = tokenizer.encode(request.text, addSpecial: true, parseSpecial: false)
        var record = RequestRecord(workClass: request.workClass, sent: clock.now(), promptTokens: prompt.count,
                                   requestedOutputTokens: request.maxTokens)
        var generation = GenerationRequest(prompt: prompt, serviceClass: request.workClass == .online ? .online(request.objective) : .offline,
                                           maxTokens: request.maxTokens)
        generation.ignoreEOS = request.ignoreEOS
        do {
            // Dropping the stream (task cancelled) cancels the request in the engine.
            for try await event in try engine.submit(generation) where event.token != nil {
                record.tokenTimes.append(clock.now())
            }
            if !Task.isCancelled { record.finished = clock.now() }
        } catch {
            if !Task.isCancelled {
                record.error = "\(error)"
                record.finished = clock.now()
            }
        }
        return record
    }
}
