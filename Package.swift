// swift-tools-version: 6.0
import PackageDescription

// Hot loops (kernels, forward pass) are built without bounds or exclusivity checks in release;
// everything they index is validated once at load time (GGUF bounds, model shapes).
let hotLoopSettings: [SwiftSetting] = [
    .unsafeFlags(["-Ounchecked", "-enforce-exclusivity=unchecked"], .when(configuration: .release)),
]

let package = Package(
    name: "ConServe",
    platforms: [.macOS(.v15)],
    products: [
        .executable(name: "conserve", targets: ["conserve"]),
    ],
    dependencies: [
        .package(url: "https://github.com/apple/swift-argument-parser", from: "1.8.2"),
        .package(url: "https://github.com/apple/swift-collections", from: "1.6.0"),
        .package(url: "https://github.com/groue/GRDB.swift", from: "7.10.0"),
        .package(url: "https://github.com/hummingbird-project/hummingbird", from: "2.28.1"),
        .package(url: "https://github.com/apple/swift-log", from: "1.16.2"),
        .package(url: "https://github.com/apple/swift-nio", from: "2.101.2"),
        .package(url: "https://github.com/vapor/multipart-kit", from: "4.7.1"),
        .package(url: "https://github.com/apple/swift-metrics", from: "2.13.0"),
        .package(url: "https://github.com/swift-server/swift-prometheus", from: "2.4.1"),
        .package(url: "https://github.com/swift-server/async-http-client", from: "1.37.0"),
        .package(url: "https://github.com/swift-server/swift-service-lifecycle", from: "2.13.0"),
        .package(url: "https://github.com/vapor/postgres-nio", from: "1.33.2"),
    ],
    targets: [
        .target(
            name: "CKernels",
            cSettings: [.unsafeFlags(["-O3", "-fno-math-errno"])]
        ),
        .target(name: "Kernels", dependencies: ["CKernels"], swiftSettings: hotLoopSettings),
        .target(name: "GGUF"),
        .target(name: "Jinja"),
        .target(name: "Units"),
        .target(name: "ModelFiles"),
        .target(name: "Tokenization", dependencies: ["GGUF", "Jinja", .product(name: "HeapModule", package: "swift-collections")]),
        .target(name: "LlamaModel", dependencies: ["Kernels", "GGUF"], swiftSettings: hotLoopSettings),
        .target(name: "Scheduling", dependencies: [.product(name: "DequeModule", package: "swift-collections")]),
        .target(name: "Simulation", dependencies: ["Scheduling"], resources: [.copy("CostModels")]),
        .target(name: "Engine", dependencies: ["Scheduling", "LlamaModel", "Tokenization", "Kernels", "GGUF", "Units", "Grammar"]),
        .target(name: "Jobs", dependencies: [
            "OpenAIAPI",
            .product(name: "GRDB", package: "GRDB.swift"),
            .product(name: "PostgresNIO", package: "postgres-nio"),
            .product(name: "Logging", package: "swift-log"),
        ]),
        .target(name: "OpenAIAPI"),
        .target(name: "Grammar", dependencies: ["OpenAIAPI", "Tokenization"]),
        .target(name: "APIServer", dependencies: [
            "Engine", "OpenAIAPI", "Jobs", "Scheduling", "LlamaModel", "Tokenization", "Grammar", "Jinja",
            .product(name: "Hummingbird", package: "hummingbird"),
            .product(name: "HummingbirdCore", package: "hummingbird"),
            .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
            .product(name: "UnixSignals", package: "swift-service-lifecycle"),
            .product(name: "Logging", package: "swift-log"),
            .product(name: "NIOCore", package: "swift-nio"),
            .product(name: "MultipartKit", package: "multipart-kit"),
            .product(name: "CoreMetrics", package: "swift-metrics"),
            .product(name: "Prometheus", package: "swift-prometheus"),
        ]),
        .target(name: "Workloads", dependencies: [
            "OpenAIAPI", "Scheduling", "Tokenization",
            .product(name: "AsyncHTTPClient", package: "async-http-client"),
            .product(name: "NIOCore", package: "swift-nio"),
        ]),
        .executableTarget(
            name: "conserve",
            dependencies: [
                "Kernels", "GGUF", "Tokenization", "LlamaModel", "Scheduling", "Engine", "APIServer", "OpenAIAPI",
                "Units", "ModelFiles", "Grammar",
                .product(name: "Hummingbird", package: "hummingbird"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
                .product(name: "AsyncHTTPClient", package: "async-http-client"),
                .product(name: "NIOCore", package: "swift-nio"),
                "Jobs", "Workloads", "Simulation",
            ]
        ),
        .testTarget(name: "KernelsTests", dependencies: ["Kernels", "CKernels"]),
        .testTarget(name: "GGUFTests", dependencies: ["GGUF"]),
        .testTarget(name: "UnitsTests", dependencies: ["Units"]),
        .testTarget(name: "ModelFilesTests", dependencies: ["ModelFiles"]),
        .testTarget(name: "JinjaTests", dependencies: ["Jinja"]),
        .testTarget(name: "TokenizationTests", dependencies: ["Tokenization", "Jinja", "GGUF", "ModelFiles", "OpenAIAPI"],
                    exclude: ["Fixtures"]),
        .testTarget(name: "LlamaModelTests", dependencies: ["LlamaModel", "Kernels", "GGUF", "Tokenization", "ModelFiles"]),
        .testTarget(name: "SchedulingTests", dependencies: ["Scheduling"]),
        .testTarget(name: "SimulationTests", dependencies: ["Simulation", "Scheduling"]),
        .testTarget(name: "EngineTests", dependencies: ["Engine", "Scheduling", "LlamaModel", "Tokenization", "ModelFiles", "Grammar", "OpenAIAPI"]),
        .testTarget(name: "JobsTests", dependencies: ["Jobs", .product(name: "Logging", package: "swift-log")]),
        .testTarget(name: "OpenAIAPITests", dependencies: ["OpenAIAPI"]),
        .testTarget(name: "GrammarTests", dependencies: ["Grammar", "OpenAIAPI", "Tokenization", "ModelFiles"]),
        .testTarget(name: "WorkloadsTests", dependencies: ["Workloads", "Scheduling", "Tokenization", "LlamaModel", "ModelFiles"]),
        .testTarget(name: "conserveTests", dependencies: [
            "conserve", "Workloads", "Engine", "Scheduling", "Tokenization", "LlamaModel", "ModelFiles", "Simulation",
            "APIServer", "OpenAIAPI",
        ]),
        .testTarget(name: "APIServerTests", dependencies: [
            "APIServer", "Engine", "OpenAIAPI", "LlamaModel", "Tokenization", "Jobs", "ModelFiles", "Grammar",
            .product(name: "HummingbirdTesting", package: "hummingbird"),
            .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
            .product(name: "Logging", package: "swift-log"),
        ]),
    ]
)
