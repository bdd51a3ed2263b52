import AdgenCore
import AdgenService
import ArgumentParser
import Foundation

/// `--progress`: how a running batch shows its progress.
enum ProgressMode: String, ExpressibleByArgument, CaseIterable, Sendable {
    /// A bar on a terminal, a line every 10 s otherwise.
    case auto
    /// One line redrawn in place on stderr.
    case bar
    /// A line on stderr every 10 s (and at the start and the end): for CI logs and process supervisors.
    case lines
    /// Every event as one JSON object per line (NDJSON) on stdout.
    case json
    /// Nothing but the summary.
    case none

    /// `auto` made concrete.
    func resolved(interactive: Bool) -> ProgressMode {
        self == .auto ? (interactive ? .bar : .lines) : self
    }
}

/// Renders a batch's events: a bar, lines, or NDJSON.
struct ProgressRenderer {
    let mode: ProgressMode
    /// Whether stderr is a terminal (the webhooks line is always printed there).
    let interactive: Bool
    /// How often `lines` prints.
    var lineInterval: Double = 10
    private var barShown = false
    private var lastLine: Double?

    init(mode: ProgressMode, interactive: Bool) {
        self.mode = mode
        self.interactive = interactive
    }

    mutating func render(_ event: BatchEvent) {
        if mode == .json {
            var output = StreamWriter.standardOutput()
            if let line = try? BatchSession.json(event) { output.writeLine(line) }
            output.flush()
            return
        }
        switch event {
        case .started(let progress):
            if mode == .lines { line(progress) }
        case .progress(let progress):
            if mode == .bar {
                var errors = StreamWriter.standardError()
                errors.write("\r\u{1B}[K" + Self.progressLine(progress))
                errors.flush()
                barShown = true
            } else if mode == .lines, progress.elapsedSeconds - (lastLine ?? 0) >= lineInterval {
                line(progress)
            }
        case .paused(_, let progress), .finished(let progress):
            clearBar()
            if mode == .lines && lastLine != progress.elapsedSeconds { line(progress) }
        case .exported(let directory, _, _):
            clearBar()
            say("exported to \(directory)")
        case .exportFailed(let message):
            clearBar()
            say("adgen: export: \(message)")
        case .deliveries(let report):
            clearBar()
            if report.pending > 0 || report.failed > 0 || interactive { say(Self.describe(report)) }
        }
    }

    /// Clears the bar, if one is shown.
    mutating func finish() { clearBar() }

    private mutating func clearBar() {
        guard barShown else { return }
        var errors = StreamWriter.standardError()
        errors.write("\r\u{1B}[K")
        errors.flush()
        barShown = false
    }

    private mutating func line(_ progress: BatchProgress) {
        say("\(progress.batch) " + Self.progressLine(progress))
        lastLine = progress.elapsedSeconds
    }

    private func say(_ line: String) {
        var errors = StreamWriter.standardError()
        errors.writeLine(line)
        errors.flush()
    }

    /// `running 120/400 · 3 failed · 4.2/s · ETA 66 s · $1.20`
    static func progressLine(_ progress: BatchProgress) -> String {
        var line = "\(progress.state.rawValue) \(progress.done)/\(progress.creatives.total)"
        if progress.creatives.failed > 0 { line += " · \(progress.creatives.failed) failed" }
        line += " · \(String(format: "%.1f", progress.ratePerSecond))/s"
        if let eta = progress.etaSeconds { line += " · ETA \(Int(eta.rounded(.up))) s" }
        line += String(format: " · $%.2f", progress.costUSD)
        return line
    }

    /// `webhooks: 17 delivered, 2 still retrying (next attempt in 30 s), 1 given up · …`
    static func describe(_ report: DeliveryReport) -> String {
        var line = "webhooks: \(report.delivered) delivered"
        if report.pending > 0 {
            line += ", \(report.pending) still retrying"
            if let next = report.nextAttemptAt {
                line += " (next attempt in \(max(0, Int(next.timeIntervalSinceNow.rounded(.up)))) s)"
            }
        }
        if report.failed > 0 { line += ", \(report.failed) given up" }
        return line + " · `adgen deliveries \(report.batch)` shows every attempt"
    }
}
