import Engine
import LlamaModel
import OpenAIAPI
import Scheduling

extension GenerationRequest {
    /// The engine request for an OpenAI request whose prompt is already tokenized: class from
    /// `service_tier` (`flex` is offline) with per-request SLO fields, sampling, stop rules.
    init(prompt: [Int32], request: some TextGenerationRequest, maxTokens: Int, topLogprobs: Int?) {
        let serviceClass: GenerationRequest.Class
        if request.isOffline {
            serviceClass = .offline
        } else if request.sloTTFTMilliseconds != nil || request.sloTPOTMilliseconds != nil {
            // A missing one takes the server's default: nil in the objective means "default".
            serviceClass = .online(ServiceLevelObjective(ttft: (request.sloTTFTMilliseconds ?? .nan) / 1000,
                                                         tpot: (request.sloTPOTMilliseconds ?? .nan) / 1000))
        } else {
            serviceClass = .online(nil)
        }
        var sampling = SamplingParameters()
        sampling.temperature = Float(request.temperature ?? 1)
        sampling.topP = Float(request.topP ?? 1)
        sampling.presencePenalty = Float(request.presencePenalty ?? 0)
        sampling.frequencyPenalty = Float(request.frequencyPenalty ?? 0)
        sampling.seed = request.seed.map { UInt64(bitPattern: Int64($0)) }
        self.init(prompt: prompt, serviceClass: serviceClass, sampling: sampling, maxTokens: maxTokens)
        stopStrings = request.stop ?? []
        ignoreEOS = request.ignoreEOS ?? false
        minTokens = request.minTokens ?? 0
        self.topLogprobs = topLogprobs
    }
}

extension ServiceLevelObjective {
    /// Fills the parts a request left out with the server's defaults.
    func completed(by defaults: ServiceLevelObjective) -> ServiceLevelObjective {
        ServiceLevelObjective(ttft: ttft.isNaN ? defaults.ttft : ttft, tpot: tpot.isNaN ? defaults.tpot : tpot)
    }
}
