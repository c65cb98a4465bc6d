import Engine
import ModelFiles

extension LatencyProfileStore {
    /// Where the CLI keeps fitted latency models: `$CONSERVE_HOME/profiles`, beside the models.
    static var standard: LatencyProfileStore { LatencyProfileStore(directory: ModelStore.home + "/profiles") }
}
