import Engine
import OpenAIAPI
import Scheduling

/// Where a completion request came from, which decides what it may ask for.
enum CompletionOrigin: Sendable {
    /// `/v1/chat/completions` or `/v1/completions`: online unless it sends `service_tier: "flex"`.
    case http
    /// A line of a batch job: always offline work, never streamed.
    case batchLine
}

/// The one place where a request gets its service class and latency objectives: the class
/// from its origin and `service_tier`, each objective from `slo_ttft_ms` / `slo_tpot_ms` or,
/// when the request leaves it out, from the server's defaults (`--slo-ttft-ms`, `--slo-tpot-ms`).
struct ObjectiveDefaults: Sendable {
    let objective: ServiceLevelObjective

    /// The class of an OpenAI request arriving from `origin`, objectives complete.
    func serviceClass(for request: some TextGenerationRequest, origin: CompletionOrigin) -> GenerationRequest.Class {
        if origin == .batchLine || request.isOffline { return .offline }
        return .online(ServiceLevelObjective(ttft: request.sloTTFTMilliseconds.map { $0 / 1000 } ?? objective.ttft,
                                             tpot: request.sloTPOTMilliseconds.map { $0 / 1000 } ?? objective.tpot))
    }

    /// `serviceClass` with the defaults in place of a missing objective, for requests built in
    /// process (`GenerationRequest`'s own default is `.online(nil)`).
    func completed(_ serviceClass: GenerationRequest.Class) -> GenerationRequest.Class {
        if case .online(nil) = serviceClass { return .online(objective) }
        return serviceClass
    }
}

extension GenerationRequest.Class {
    /// The `service_tier` an answer reports: `flex` for offline work, `default` for online.
    var serviceTier: ServiceTier {
        if case .offline = self { return .flex }
        return .default
    }

    /// The objectives of an online request; nil for offline work.
    var objective: ServiceLevelObjective? {
        if case .online(let objective) = self { return objective }
        return nil
    }
}
