import Foundation
import Testing
@testable import Workloads

@Suite struct TraceFileTests {
    func write(_ text: String) throws -> String {
        let path = NSTemporaryDirectory() + "conserve-trace-\(UUID().uuidString)"
        try text.write(toFile: path, atomically: true, encoding: .utf8)
        return path
    }

    @Test func azureRowsAreSecondsSinceTheFirstWithSevenFractionalDigits() throws {
        // No trailing newline after the last row, as upstream; the last row crosses midnight.
        let path = try write("""
            TIMESTAMP,ContextTokens,GeneratedTokens
            2023-11-16 18:15:46.6805900,374,44
            2023-11-16 18:15:50.9951690,396,109
            2023-11-16 23:59:59.5000000,10,1
            2023-11-17 00:00:00.2500000,20,2
            """)
        let rows = try TraceFile.azure(path: path)
        #expect(rows.count == 4)
        #expect(rows[0] == TraceRow(arrival: 0, promptTokens: 374, outputTokens: 44))
        #expect(abs(rows[1].arrival - 4.314579) < 1e-6)
        #expect(rows[1].promptTokens == 396 && rows[1].outputTokens == 109)
        #expect(abs((rows[3].arrival - rows[2].arrival) - 0.75) < 1e-6)
    }

    @Test func azureRejectsAMalformedRowWithItsLineNumber() throws {
        let path = try write("TIMESTAMP,ContextTokens,GeneratedTokens\n2023-11-16 18:15:46.6805900,374,44\n2023-11-16 18:15:47,abc,3\n")
        #expect {
            try TraceFile.azure(path: path)
        } throws: { error in
            "\(error)".contains(":3:")
        }
    }

    @Test func mooncakeTimestampsAreMilliseconds() throws {
        let path = try write("""
            {"timestamp": 0, "input_length": 6758, "output_length": 500, "hash_ids": [0, 1]}
            {"timestamp": 1500, "input_length": 10, "output_length": 5, "hash_ids": [2]}
            """)
        let rows = try TraceFile.mooncake(path: path)
        #expect(rows == [TraceRow(arrival: 0, promptTokens: 6758, outputTokens: 500), TraceRow(arrival: 1.5, promptTokens: 10, outputTokens: 5)])
    }
}
