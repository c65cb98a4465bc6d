extension LoadSweepReport {
    /// Writes each cell's charts (`ServeReport.writePlots`) into its own folder under `directory`,
    /// `load-F-window-W` (`load-window-W` without a fraction). Returns the paths written.
    @discardableResult
    public func writePlots(to directory: String) throws -> [String] {
        try cells.flatMap { cell in
            let folder = directory + "/" + (cell.fraction.map { "load-\(ServeReport.plain($0))" } ?? "load") + "-window-\(cell.window)"
            return try cell.report.writePlots(to: folder)
        }
    }
}
