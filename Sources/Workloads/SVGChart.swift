import Foundation

/// A chart drawn as SVG text, element by element: a title, panels with axes and grid, lines,
/// and a legend in a column on the right. Only series lines are `<path>` elements; everything
/// else is `<line>`, `<rect>` or `<text>`, so each plotted series is exactly one path.
struct SVGChart {
    /// A plot area in pixels and the axes that map data onto it.
    struct Panel {
        var left: Double
        var top: Double
        var width: Double
        var height: Double
        var x: ChartAxis
        var y: ChartAxis

        /// Pixel position of a data point; y grows downward in SVG.
        func position(_ xValue: Double, _ yValue: Double) -> (x: Double, y: Double) {
            (left + x.fraction(xValue) * width, top + (1 - y.fraction(yValue)) * height)
        }
    }

    /// Colour-blind-safe (Okabe–Ito), dark enough to read on white; repeats past eight series.
    static let palette = ["#0072B2", "#D55E00", "#009E73", "#CC79A7", "#E69F00", "#56B4E9", "#000000", "#999999"]

    static func color(_ index: Int) -> String { palette[index % palette.count] }

    let width: Double
    let height: Double
    /// Pixels left of the legend column.
    let plotRight: Double
    private var elements: [String] = []

    init(width: Double = 820, height: Double = 480, legendWidth: Double = 190, title: String) {
        self.width = width
        self.height = height
        plotRight = width - legendWidth
        elements.append(#"<rect width="100%" height="100%" fill="white"/>"#)
        text(title, x: plotRight / 2, y: 24, size: 16, anchor: "middle", weight: "bold")
    }

    /// Draws grid, ticks and labels of `panel`; the x labels only when `xLabel` is given, so
    /// stacked panels can share one x axis.
    mutating func axes(_ panel: Panel, xLabel: String?, yLabel: String) {
        let bottom = panel.top + panel.height
        let right = panel.left + panel.width
        for tick in panel.x.ticks {
            let x = panel.position(tick, panel.y.lower).x
            line(x, panel.top, x, bottom, stroke: "#e5e5e5")
            if xLabel != nil { text(ChartAxis.label(tick), x: x, y: bottom + 16, anchor: "middle") }
        }
        for tick in panel.y.ticks {
            let y = panel.position(panel.x.lower, tick).y
            line(panel.left, y, right, y, stroke: "#e5e5e5")
            text(ChartAxis.label(tick), x: panel.left - 6, y: y + 4, anchor: "end")
        }
        line(panel.left, bottom, right, bottom, stroke: "#333333")
        line(panel.left, panel.top, panel.left, bottom, stroke: "#333333")
        if let xLabel { text(xLabel, x: panel.left + panel.width / 2, y: bottom + 36, size: 13, anchor: "middle") }
        let middle = panel.top + panel.height / 2
        text(yLabel, x: panel.left - 58, y: middle, size: 13, anchor: "middle", rotate: true)
    }

    /// One series: a path through pixel `points`, drawn as given (callers build steps themselves).
    mutating func path(_ points: [(x: Double, y: Double)], color: String) {
        guard let first = points.first else { return }
        var d = "M\(Self.number(first.x)) \(Self.number(first.y))"
        for point in points.dropFirst() { d += " L\(Self.number(point.x)) \(Self.number(point.y))" }
        elements.append(#"<path d="\#(d)" fill="none" stroke="\#(color)" stroke-width="2"/>"#)
    }

    /// The legend column: a swatch and a label per entry, top to bottom from `top`.
    mutating func legend(_ entries: [(label: String, color: String)], top: Double = 60) {
        for (index, entry) in entries.enumerated() {
            let y = top + Double(index) * 20
            elements.append(
                #"<line x1="\#(Self.number(plotRight + 10))" y1="\#(Self.number(y))" x2="\#(Self.number(plotRight + 34))" y2="\#(Self.number(y))" stroke="\#(entry.color)" stroke-width="2"/>"#)
            text(entry.label, x: plotRight + 40, y: y + 4)
        }
    }

    mutating func text(
        _ content: String, x: Double, y: Double, size: Int = 11, anchor: String = "start",
        weight: String = "normal", rotate: Bool = false
    ) {
        let transform = rotate ? #" transform="rotate(-90 \#(Self.number(x)) \#(Self.number(y)))""# : ""
        elements.append(
            #"<text x="\#(Self.number(x))" y="\#(Self.number(y))" font-size="\#(size)" text-anchor="\#(anchor)" font-weight="\#(weight)"\#(transform)>\#(Self.escaped(content))</text>"#)
    }

    mutating func line(_ x1: Double, _ y1: Double, _ x2: Double, _ y2: Double, stroke: String, dashed: Bool = false) {
        let dash = dashed ? #" stroke-dasharray="4 3""# : ""
        elements.append(
            #"<line x1="\#(Self.number(x1))" y1="\#(Self.number(y1))" x2="\#(Self.number(x2))" y2="\#(Self.number(y2))" stroke="\#(stroke)" stroke-width="1"\#(dash)/>"#)
    }

    /// The finished document.
    func render() -> String {
        let w = Self.number(width), h = Self.number(height)
        return #"<?xml version="1.0" encoding="UTF-8"?>"# + "\n"
            + #"<svg xmlns="http://www.w3.org/2000/svg" width="\#(w)" height="\#(h)" viewBox="0 0 \#(w) \#(h)" font-family="Helvetica, Arial, sans-serif">"#
            + "\n" + elements.joined(separator: "\n") + "\n</svg>\n"
    }

    /// Text made safe for XML content and attribute values; control characters XML 1.0 cannot
    /// carry at all are dropped.
    static func escaped(_ text: String) -> String {
        var out = ""
        for scalar in text.unicodeScalars {
            switch scalar {
            case "&": out += "&amp;"
            case "<": out += "&lt;"
            case ">": out += "&gt;"
            case "\"": out += "&quot;"
            case "'": out += "&apos;"
            case "\t", "\n", "\r": out.unicodeScalars.append(scalar)
            case "\u{FFFE}", "\u{FFFF}": continue
            default: if scalar.value >= 0x20 { out.unicodeScalars.append(scalar) }
            }
        }
        return out
    }

    /// A pixel coordinate, to a tenth of a pixel.
    static func number(_ value: Double) -> String { String(format: "%.1f", value) }
}
