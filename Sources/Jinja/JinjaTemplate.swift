import Foundation

/// A Jinja template, parsed once and rendered as jinja2 renders it with the settings
/// transformers' `apply_chat_template` uses: `trim_blocks` and `lstrip_blocks`, loop controls,
/// a non-escaping `tojson`, `raise_exception` and `strftime_now`.
public struct JinjaTemplate: Sendable {
    private let nodes: [JinjaNode]
    public let source: String

    /// Parses the template. Throws `JinjaError` (with line and column) if it is not valid Jinja
    /// or uses a filter, test or tag this renderer does not support.
    public init(source: String) throws {
        self.source = source
        nodes = try JinjaParser.parse(source)
    }

    /// Renders with `context` as the template's globals. `now` is what `strftime_now` reports.
    public func render(context: [String: JinjaValue], now: Date = Date()) throws -> String {
        try JinjaInterpreter(context: context, now: now).render(nodes)
    }
}
