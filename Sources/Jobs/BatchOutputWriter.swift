import Foundation

/// Builds a batch's output and error files (JSONL) from its results, in OpenAI's shape:
///
///     {"id": "batch_req_…", "custom_id": "request-1",
///      "response": {"status_code": 200, "request_id": "req_…", "body": {…}}, "error": null}
///
/// Successful lines go to the output file; failed ones to the error file, with their response
/// (if the endpoint answered) and their error object. Bodies and errors are embedded byte for
/// byte as recorded (the store checked they are single-line JSON objects), and ids derive
/// from (batch, line), so building the files twice gives the same bytes.
struct BatchOutputWriter {
    let batchID: String
    private(set) var output = Data()
    private(set) var errors = Data()
    private(set) var outputLineCount = 0
    private(set) var errorLineCount = 0

    init(batchID: String) {
        self.batchID = batchID
    }

    /// Appends one line's result; call in input order.
    mutating func append(
        lineIndex: Int, customID: String, statusCode: Int, succeeded: Bool, response: Data?, error: Data?
    ) {
        var line = Data()
        line.append(contentsOf: #"{"id":"#.utf8)
        line.append(contentsOf: Self.quoted(JobIdentifiers.batchRequestID(batchID: batchID, lineIndex: lineIndex)).utf8)
        line.append(contentsOf: #","custom_id":"#.utf8)
        line.append(contentsOf: Self.quoted(customID).utf8)
        line.append(contentsOf: #","response":"#.utf8)
        if let response {
            line.append(contentsOf: #"{"status_code":\#(statusCode),"request_id":"#.utf8)
            line.append(contentsOf: Self.quoted(JobIdentifiers.requestID(batchID: batchID, lineIndex: lineIndex)).utf8)
            line.append(contentsOf: #","body":"#.utf8)
            line.append(response)
            line.append(contentsOf: "}".utf8)
        } else {
            line.append(contentsOf: "null".utf8)
        }
        line.append(contentsOf: #","error":"#.utf8)
        if let error {
            line.append(error)
        } else {
            line.append(contentsOf: "null".utf8)
        }
        line.append(contentsOf: "}\n".utf8)

        if succeeded {
            output.append(line)
            outputLineCount += 1
        } else {
            errors.append(line)
            errorLineCount += 1
        }
    }

    /// A JSON string literal for `text`: quotes, backslashes and control characters escaped.
    static func quoted(_ text: String) -> String {
        var result = "\""
        for scalar in text.unicodeScalars {
            switch scalar {
            case "\"": result += "\\\""
            case "\\": result += "\\\\"
            case "\n": result += "\\n"
            case "\r": result += "\\r"
            case "\t": result += "\\t"
            case _ where scalar.value < 0x20:
                let hex = String(scalar.value, radix: 16)
                result += "\\u" + String(repeating: "0", count: 4 - hex.count) + hex
            default: result.unicodeScalars.append(scalar)
            }
        }
        return result + "\""
    }
}
