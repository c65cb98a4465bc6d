import Foundation

/// One request of a production trace: when it arrived and how long its prompt and output were.
public struct TraceRow: Sendable, Equatable, Codable {
    /// Seconds since the trace's first request.
    public var arrival: Double
    public var promptTokens: Int
    public var outputTokens: Int

    public init(arrival: Double, promptTokens: Int, outputTokens: Int) {
        self.arrival = arrival
        self.promptTokens = promptTokens
        self.outputTokens = outputTokens
    }
}

public struct WorkloadDataError: Error, CustomStringConvertible {
    public var description: String
    public init(_ description: String) { self.description = description }
}

/// Readers for the traces in the repository's `data/traces` (see `data/README.md` for their schemas).
public enum TraceFile {
    /// Azure LLM inference trace 2023 (`TIMESTAMP,ContextTokens,GeneratedTokens`), conversation or code.
    public static func azure(path: String) throws -> [TraceRow] {
        let text = try String(contentsOfFile: path, encoding: .utf8)
        var rows: [TraceRow] = []
        var first: Double?
        for (index, line) in text.split(whereSeparator: \.isNewline).enumerated() where index > 0 {
            let fields = line.split(separator: ",")
            guard fields.count == 3, let time = azureSeconds(fields[0]),
                  let prompt = Int(fields[1]), let output = Int(fields[2]) else {
                throw WorkloadDataError("\(path):\(index + 1): not a TIMESTAMP,ContextTokens,GeneratedTokens row")
            }
            let origin = first ?? time
            first = origin
            rows.append(TraceRow(arrival: time - origin, promptTokens: prompt, outputTokens: output))
        }
        guard !rows.isEmpty else { throw WorkloadDataError("\(path): no rows") }
        return rows
    }

    /// Mooncake's conversation trace: one JSON object per line, timestamp in milliseconds.
    public static func mooncake(path: String) throws -> [TraceRow] {
        struct Line: Decodable { var timestamp: Double; var input_length: Int; var output_length: Int }
        let text = try String(contentsOfFile: path, encoding: .utf8)
        let decoder = JSONDecoder()
        var rows: [TraceRow] = []
        for (index, line) in text.split(whereSeparator: \.isNewline).enumerated() {
            guard let row = try? decoder.decode(Line.self, from: Data(line.utf8)) else {
                throw WorkloadDataError("\(path):\(index + 1): not a Mooncake trace line")
            }
            rows.append(TraceRow(arrival: row.timestamp / 1000, promptTokens: row.input_length, outputTokens: row.output_length))
        }
        guard !rows.isEmpty else { throw WorkloadDataError("\(path): no rows") }
        let origin = rows[0].arrival
        return rows.map { TraceRow(arrival: $0.arrival - origin, promptTokens: $0.promptTokens, outputTokens: $0.outputTokens) }
    }

    /// `2023-11-16 18:15:46.6805900` as seconds since 1970 (UTC). Seven fractional digits,
    /// more than DateFormatter reads, so the fraction is parsed by hand.
    static func azureSeconds(_ field: Substring) -> Double? {
        let parts = field.split(separator: " ")
        guard parts.count == 2 else { return nil }
        let date = parts[0].split(separator: "-").compactMap { Int($0) }
        let clock = parts[1].split(separator: ":")
        guard date.count == 3, clock.count == 3, let hour = Int(clock[0]), let minute = Int(clock[1]),
              let second = Double(clock[2]) else { return nil }
        return Double(daysFromCivil(year: date[0], month: date[1], day: date[2])) * 86_400
            + Double(hour * 3600 + minute * 60) + second
    }

    /// Days since 1970-01-01 of a proleptic Gregorian date (Howard Hinnant's algorithm).
    static func daysFromCivil(year: Int, month: Int, day: Int) -> Int {
        let y = month <= 2 ? year - 1 : year
        let era = (y >= 0 ? y : y - 399) / 400
        let yoe = y - era * 400
        let doy = (153 * (month + (month > 2 ? -3 : 9)) + 2) / 5 + day - 1
        let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy
        return era * 146_097 + doe - 719_468
    }
}
