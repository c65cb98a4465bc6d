import GGUF
import Kernels
import Testing

/// A GGUF tensor's type id becomes a kernel format by its raw value (`ModelWeights`), so the two
/// enums must agree on every id they share, and every weight encoding GGUF files commonly use
/// must have a format.
@Suite("GGUF tensor types → kernel formats")
struct TensorTypeMappingTests {
    @Test("shared ids have the same name and block layout")
    func sharedIdsAgree() throws {
        for format in QuantFormat.allCases {
            let type = try #require(TensorType(rawValue: format.rawValue), "\(format.name) has no GGUF tensor type")
            #expect(type.description == format.name)
            #expect(type.blockElements == format.blockElements, "\(format.name)")
            #expect(type.blockBytes == format.blockBytes, "\(format.name)")
        }
    }

    @Test("every common weight encoding has a kernel format")
    func commonTypesMap() {
        let common: [TensorType] = [.f32, .f16, .bf16, .q4_0, .q4_1, .q5_0, .q5_1, .q8_0,
                                    .q2_K, .q3_K, .q4_K, .q5_K, .q6_K, .iq4_nl, .iq4_xs]
        for type in common { #expect(QuantFormat(rawValue: type.rawValue) != nil, "\(type)") }
    }
}
