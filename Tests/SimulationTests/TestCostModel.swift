@testable import Simulation

/// A small cost model for tests: a CPU-like step time with a weight-read floor, 8 layers
/// checked every 2, a slow link so restores show.
func testCostModel(blocks: Int = 64, blockSize: Int = 4, checkpointBlocks: Int = 0, floor: Double = 0.002) -> CostModel {
    func v(_ x: Double) -> SourcedValue { SourcedValue(x, source: "test") }
    return CostModel(
        name: "test", description: "test", perStep: v(0.001), weightReadFloor: v(floor), computeIntercept: v(0),
        perToken: v(0.0001), perAttentionPosition: v(1e-7), perContextPosition: v(1e-6), perSequence: v(0.0002),
        layers: v(8), safepointEveryLayers: v(2), safepointCheckSeconds: v(0.0001),
        kvBytesPerToken: v(1000), kvBlocks: v(Double(blocks)), blockSize: v(Double(blockSize)),
        checkpointBytes: v(Double(checkpointBlocks * blockSize * 1000)), linkBytesPerSecond: v(4e6),
        maxNumBatchedTokens: v(48), maxNumSequences: v(6), maxModelLength: v(256))
}
