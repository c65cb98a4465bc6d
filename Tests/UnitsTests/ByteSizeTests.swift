import Testing
import Units

@Suite struct ByteSizeTests {
    static let validSizes: [(String, Int)] = [
        ("123", 123),
        ("123B", 123),
        ("123 b", 123),
        ("0", 0),
        ("24KiB", 24 * 1024),
        ("24MiB", 24 << 20),
        ("24mib", 24 << 20),
        ("2GiB", 2 << 30),
        ("1.5GiB", 1_610_612_736),
        ("1.5 GiB", 1_610_612_736),
        ("  8MiB\t", 8 << 20),
        ("3TiB", 3 << 40),
        ("24K", 24 * 1024),
        ("24M", 24 << 20),
        ("2G", 2 << 30),
        ("2g", 2 << 30),
        ("2Gi", 2 << 30),
        ("24KB", 24_000),
        ("24MB", 24_000_000),
        ("2GB", 2_000_000_000),
        ("2gb", 2_000_000_000),
        ("1TB", 1_000_000_000_000),
        ("0.5KiB", 512),
        ("1.1KiB", 1126), // 1126.4 bytes: the fraction of a byte is dropped
        ("007MiB", 7 << 20),
    ]

    @Test(arguments: validSizes)
    func parsesSizes(text: String, bytes: Int) throws {
        #expect(try ByteSize(parsing: text).bytes == bytes)
    }

    @Test func rejectsEmptyAndNegative() {
        #expect(throws: ByteSizeError.empty) { try ByteSize(parsing: "") }
        #expect(throws: ByteSizeError.empty) { try ByteSize(parsing: "   ") }
        #expect(throws: ByteSizeError.negative("-1GiB")) { try ByteSize(parsing: "-1GiB") }
        #expect(throws: ByteSizeError.negative("-0")) { try ByteSize(parsing: "-0") }
    }

    @Test(arguments: ["GiB", "abc", "1.GiB", ".5GiB", "+5", "1,5GiB", "1.5.2", "0x10", "١٢", "2 GiB extra", "2GiB!"])
    func rejectsMalformed(text: String) {
        #expect(throws: ByteSizeError.malformed(text)) { try ByteSize(parsing: text) }
    }

    @Test func rejectsUnknownUnits() {
        #expect(throws: ByteSizeError.unknownUnit("24 MiBs", unit: "MiBs")) { try ByteSize(parsing: "24 MiBs") }
        #expect(throws: ByteSizeError.unknownUnit("5PB", unit: "PB")) { try ByteSize(parsing: "5PB") }
        #expect(throws: ByteSizeError.unknownUnit("1 byte", unit: "byte")) { try ByteSize(parsing: "1 byte") }
    }

    @Test func rejectsSizesThatOverflow() throws {
        #expect(throws: ByteSizeError.tooLarge("99999999999999999999")) { try ByteSize(parsing: "99999999999999999999") }
        #expect(throws: ByteSizeError.tooLarge("9000000TiB")) { try ByteSize(parsing: "9000000TiB") }
        #expect(throws: ByteSizeError.tooLarge("8388608TiB")) { try ByteSize(parsing: "8388608TiB") }
        // The whole part fits, and the fraction pushes it over.
        #expect(throws: ByteSizeError.tooLarge("9223372036854775.9KB")) { try ByteSize(parsing: "9223372036854775.9KB") }
        #expect(try ByteSize(parsing: "8388607.99999TiB").bytes == (8_388_607 << 40) + 1_099_500_632_659)
        // The largest size that fits still parses.
        #expect(try ByteSize(parsing: "\(Int.max)").bytes == Int.max)
    }

    @Test func errorMessagesShowAValidExample() {
        let errors: [ByteSizeError] = [.empty, .negative("-1"), .malformed("x"), .unknownUnit("1X", unit: "X"), .tooLarge("1e99")]
        for error in errors {
            #expect(error.description.contains("24MiB"), "\(error)")
        }
    }

    static let formattedSizes: [(Int, String)] = [
        (0, "0 B"),
        (512, "512 B"),
        (1023, "1023 B"),
        (1024, "1.0 KiB"),
        (1536, "1.5 KiB"),
        (24 << 20, "24.0 MiB"),
        (1_610_612_736, "1.5 GiB"),
        ((1 << 20) - 1, "1.0 MiB"), // 1023.999 KiB rounds up into the next unit
        (3 << 40, "3.0 TiB"),
        (-2048, "-2.0 KiB"),
    ]

    @Test(arguments: formattedSizes)
    func formats(bytes: Int, text: String) {
        #expect(ByteSize.format(bytes) == text)
        if bytes >= 0 { #expect(ByteSize(bytes: bytes).description == text) }
    }

    @Test func formattedSizesParseBack() throws {
        for bytes in [0, 1, 1024, 24 << 20, 3 << 30, 5 << 40] {
            let text = ByteSize.format(bytes)
            #expect(try ByteSize(parsing: text).bytes == bytes, "\(text)")
        }
    }
}
