import Foundation

/// Server-side SVG charts for the console: no script, no CDN, readable at a glance.
enum SVGChart {
    struct Series {
        var name: String
        var color: String
        var values: [Double]
    }

    /// A line chart of one or more series over the same time axis.
    static func lines(title: String, unit: String, times: [Date], series: [Series], width: Int = 460, height: Int = 170)
        -> String
    {
        let left = 48.0
        let right = 10.0
        let top = 26.0
        let bottom = 22.0
        let plotWidth = Double(width) - left - right
        let plotHeight = Double(height) - top - bottom
        let peak = series.flatMap(\.values).max() ?? 0
        let scale = niceCeiling(peak)
        let count = max(1, (series.first?.values.count ?? 1) - 1)
        func x(_ index: Int) -> Double { left + plotWidth * Double(index) / Double(count) }
        func y(_ value: Double) -> Double { top + plotHeight * (1 - (scale == 0 ? 0 : value / scale)) }
        var svg = """
            <svg class="chart" viewBox="0 0 \(width) \(height)" role="img" aria-label="\(HTML.escape(title))">\
            <text x="4" y="16" class="chart-title">\(HTML.escape(title))</text>
            """
        for step in 0...4 {
            let value = scale * Double(step) / 4
            let lineY = y(value)
            svg +=
                "<line x1=\"\(left)\" x2=\"\(Double(width) - right)\" y1=\"\(lineY)\" y2=\"\(lineY)\" class=\"grid\"/>"
            svg +=
                "<text x=\"\(left - 4)\" y=\"\(lineY + 4)\" class=\"axis\" text-anchor=\"end\">\(format(value))</text>"
        }
        if let first = times.first, let last = times.last {
            svg += "<text x=\"\(left)\" y=\"\(height - 4)\" class=\"axis\">\(clock(first))</text>"
            svg +=
                "<text x=\"\(Double(width) - right)\" y=\"\(height - 4)\" class=\"axis\" text-anchor=\"end\">"
                + "\(clock(last)) \(HTML.escape(unit))</text>"
        }
        for (index, line) in series.enumerated() {
            let points = line.values.enumerated().map { "\(x($0.offset)),\(y($0.element))" }.joined(separator: " ")
            svg += "<polyline points=\"\(points)\" fill=\"none\" stroke=\"\(line.color)\" stroke-width=\"2\"/>"
            if series.count > 1 {
                svg +=
                    "<text x=\"\(Double(width) - right - Double(series.count - index) * 60)\" y=\"16\" "
                    + "fill=\"\(line.color)\" class=\"legend\">\(HTML.escape(line.name))</text>"
            }
        }
        return svg + "</svg>"
    }

    static func niceCeiling(_ value: Double) -> Double {
        guard value > 0 else { return 1 }
        let magnitude = pow(10, floor(log10(value)))
        for factor in [1.0, 2, 2.5, 5, 10] where factor * magnitude >= value { return factor * magnitude }
        return 10 * magnitude
    }

    static func format(_ value: Double) -> String {
        if value == 0 { return "0" }
        if value >= 1000 { return String(format: "%.0f", value) }
        if value >= 10 { return String(format: "%.0f", value) }
        if value >= 1 { return String(format: "%.1f", value) }
        return String(format: "%.2g", value)
    }

    static func clock(_ date: Date) -> String {
        let formatter = DateFormatter()
        formatter.timeZone = TimeZone(identifier: "UTC")
        formatter.dateFormat = "HH:mm"
        return formatter.string(from: date)
    }
}
