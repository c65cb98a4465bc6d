/// The `format`s a string schema may name, as fixed shapes. Each shape is a superset-free
/// approximation on the strict side: everything it produces has the format's syntax
/// (RFC 3339 dates and times, RFC 4122 UUIDs, dotted IPv4, a plain `local@domain.tld`
/// address), though a month may read 19 or an octet 999, which only a calendar- or
/// range-aware checker would catch.
enum StringFormats {
    static let supported = ["date", "time", "date-time", "uuid", "email", "ipv4"]

    static func shape(_ format: String) -> StringShape? {
        switch format {
        case "date": StringShape(date)
        case "time": StringShape(time)
        case "date-time": StringShape(date + [fixed("T", 1)] + time)
        case "uuid": StringShape([hex(8), fixed("-", 1), hex(4), fixed("-", 1), hex(4), fixed("-", 1), hex(4), fixed("-", 1), hex(12)])
        case "email":
            StringShape([run("a-z0-9._+", 1, 32), fixed("@", 1), run("a-z0-9", 1, 32), fixed(".", 1), run("a-z", 2, 6)])
        case "ipv4":
            StringShape([run("0-9", 1, 3), fixed(".", 1), run("0-9", 1, 3), fixed(".", 1),
                         run("0-9", 1, 3), fixed(".", 1), run("0-9", 1, 3)])
        default: nil
        }
    }

    private static let date = [run("0-9", 4, 4), fixed("-", 1), fixed("01", 1), fixed("0-9", 1), fixed("-", 1),
                               fixed("0-3", 1), fixed("0-9", 1)]
    private static let time = [fixed("0-2", 1), fixed("0-9", 1), fixed(":", 1), fixed("0-5", 1), fixed("0-9", 1),
                               fixed(":", 1), fixed("0-5", 1), fixed("0-9", 1), fixed("Z", 1)]

    private static func run(_ ranges: String, _ min: Int, _ max: Int) -> StringShape.Segment {
        StringShape.Segment(bytes: ByteSet(ranges: ranges), min: min, max: max)
    }

    private static func fixed(_ ranges: String, _ count: Int) -> StringShape.Segment { run(ranges, count, count) }

    private static func hex(_ count: Int) -> StringShape.Segment { run("0-9a-f", count, count) }
}
