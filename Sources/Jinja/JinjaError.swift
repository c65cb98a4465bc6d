/// Why a template could not be parsed or rendered. Never a crash: every failure of a template —
/// a syntax error, an unknown filter, a runtime type error, or the template's own `raise_exception` —
/// arrives as one of these, with the position in the template source when one is known.
///
/// The messages say "chat template": rendering chat templates is what this Jinja subset is for,
/// and the server passes the text on to the client whose messages did not render.
public struct JinjaError: Error, Sendable, Equatable, CustomStringConvertible {
    public enum Kind: Sendable, Equatable {
        /// The template does not parse: bad syntax, an unclosed or unknown block, an unsupported tag.
        case syntax
        /// A filter the renderer does not know (`{{ x | frobnicate }}`).
        case unknownFilter
        /// A test the renderer does not know (`{% if x is frobnicated %}`).
        case unknownTest
        /// Rendering failed: a type error, an undefined value used in arithmetic, a call of a non-function.
        case runtime
        /// The template called `raise_exception(message)`; `message` is the template's own text.
        case raised
    }

    public var kind: Kind
    public var message: String
    /// 1-based line and column in the template source, when known.
    public var line: Int?
    public var column: Int?

    public init(kind: Kind, message: String, line: Int? = nil, column: Int? = nil) {
        self.kind = kind
        self.message = message
        self.line = line
        self.column = column
    }

    public var description: String {
        if kind == .raised { return "chat template raised an exception: \(message)" }
        guard let line else { return "chat template error: \(message)" }
        return "chat template error at line \(line), column \(column ?? 0): \(message)"
    }
}

/// A runtime error raised before its position is known; the interpreter fills in the position.
func JinjaRuntimeError(_ message: String) -> JinjaError {
    JinjaError(kind: .runtime, message: message)
}

/// A position in the template source (1-based).
struct JinjaSourcePosition: Sendable, Equatable {
    var line: Int
    var column: Int
}

extension JinjaError {
    /// Attaches a position if the error has none yet.
    func at(_ position: JinjaSourcePosition) -> JinjaError {
        guard line == nil, kind != .raised else { return self }
        var copy = self
        copy.line = position.line
        copy.column = position.column
        return copy
    }
}
