import Engine
import LlamaModel
import OpenAIAPI

extension GenerationRequest {
    /// The engine request for an OpenAI request whose prompt is already tokenized: sampling and
    /// stop rules from the request, its class as `ObjectiveDefaults` decided it.
    init(prompt: [Int32], request: some TextGenerationRequest, serviceClass: Class, maxTokens: Int, topLogprobs: Int?) {
        var sampling = SamplingParameters()
        sampling.temperature = Float(request.temperature ?? 1)
        sampling.topP = Float(request.topP ?? 1)
        sampling.presencePenalty = Float(request.presencePenalty ?? 0)
        sampling.frequencyPenalty = Float(request.frequencyPenalty ?? 0)
        sampling.seed = request.seed.map { UInt64(bitPattern: Int64($0)) }
        sampling.logitBias = request.tokenBiases.mapValues { Float($0) }
        self.init(prompt: prompt, serviceClass: serviceClass, sampling: sampling, maxTokens: maxTokens)
        stopStrings = request.stop ?? []
        ignoreEOS = request.ignoreEOS ?? false
        minTokens = request.minTokens ?? 0
        self.topLogprobs = topLogprobs
    }
}
