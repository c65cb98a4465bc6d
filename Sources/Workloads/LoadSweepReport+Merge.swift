extension LoadSweepReport {
    /// Adds another sweep's runs, cell by cell (same fraction and window): a run whose label this
    /// sweep already has in that cell is replaced, others are appended, and cells this sweep lacks
    /// are added. For a sweep measured in parts: the engine's runs in one command, a peer's again
    /// on a fresh server in another. The capacity and objectives stay this sweep's; a fraction's
    /// priority tuning comes from the other where it has one.
    public mutating func merge(_ other: LoadSweepReport) {
        if capacity == nil { capacity = other.capacity }
        for tuning in other.priorityTuning {
            priorityTuning.removeAll { $0.fraction == tuning.fraction }
            priorityTuning.append(tuning)
        }
        for cell in other.cells {
            guard let index = index(of: cell) else {
                cells.append(cell)
                continue
            }
            for run in cell.report.runs {
                if let same = cells[index].report.runs.firstIndex(where: { $0.label == run.label }) {
                    cells[index].report.runs[same] = run
                } else {
                    cells[index].report.runs.append(run)
                }
            }
        }
    }

    /// Whether two sweeps measured the same thing: the same objectives, and in cells both have,
    /// the same online rate. Merging sweeps that differ would put unlike runs in one column.
    public func mismatch(with other: LoadSweepReport) -> String? {
        guard objective == other.objective else {
            return "the objectives differ (TTFT \(objective.ttft) s, TPOT \(objective.tpot) s against TTFT \(other.objective.ttft) s, TPOT \(other.objective.tpot) s)"
        }
        for cell in other.cells {
            guard let mine = index(of: cell).map({ cells[$0] }) else { continue }
            let a = mine.report.workload["online_rate_rps"], b = cell.report.workload["online_rate_rps"]
            if a != b {
                return "window \(cell.window) at \(Self.fractionName(cell.fraction)) ran \(a ?? "?") online req/s in one and \(b ?? "?") in the other"
            }
        }
        return nil
    }

    /// Where this sweep holds the cell of `cell`'s fraction and window.
    func index(of cell: Cell) -> Int? {
        cells.firstIndex { $0.fraction == cell.fraction && $0.window == cell.window }
    }
}
