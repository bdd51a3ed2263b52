import AdgenCore
import AdgenImaging
import Foundation
import Testing

/// Milliseconds of processor time per generation, by style and size, printed when `ADGEN_PAINTER_BENCH` is set
/// to the number of tries (the best counts); `ADGEN_PREVIEW_DIR` also keeps the images. Run it alone, in release,
/// on one libvips thread:
///
///     VIPS_CONCURRENCY=1 ADGEN_PAINTER_BENCH=3 swift test -c release --filter LocalProviderBenchmarks
@Suite struct LocalProviderBenchmarks {
    static let styles: [(String, String)] = [
        ("photo", "photoreal product shot of a trail running shoe in ember orange, warm golden hour light"),
        ("cinematic", "cinematic lifestyle photo of a banking app on a phone at night, moody"),
        ("illustration", "flat illustration of a coffee cup for commuters, cool blue palette"),
        ("minimal", "minimal clean studio shot of a skincare serum bottle, pastel pink"),
        ("bold", "bold poster of a hoodie jacket, vibrant"),
        ("luxury", "luxury dark product shot of a waterproof jacket with gold accents"),
        ("playful", "playful vibrant confetti scene with a sneaker, pop colours"),
    ]
    static let sizes = [(1024, 1024), (832, 1216), (1216, 832), (1344, 768)]

    /// Seconds of processor time this process has used (all threads): a machine busy with other work does not
    /// count.
    static func processorTime() -> Double {
        var time = timespec()
        clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &time)
        return Double(time.tv_sec) + Double(time.tv_nsec) / 1e9
    }

    @Test func timePerStyleAndSize() throws {
        let environment = ProcessInfo.processInfo.environment
        guard let value = environment["ADGEN_PAINTER_BENCH"] else { return }
        let repeats = max(1, Int(value) ?? 3)
        let folder = environment["ADGEN_PREVIEW_DIR"]
        let provider = LocalProvider()
        var lines = [
            "style         "
                + Self.sizes.map { "\($0.0)x\($0.1)".padding(toLength: 11, withPad: " ", startingAt: 0) }.joined()
        ]
        for (style, prompt) in Self.styles {
            var line = style.padding(toLength: 14, withPad: " ", startingAt: 0)
            for (width, height) in Self.sizes {
                let request = GenerationRequest(
                    prompt: prompt, seed: 7, width: width, height: height, model: LocalProvider.model)
                var best = Double.infinity
                var image: GeneratedImage?
                for _ in 0..<repeats {
                    let start = Self.processorTime()
                    image = try provider.paint(request)
                    best = min(best, Self.processorTime() - start)
                }
                line += String(format: "%-11.1f", best * 1000)
                if let folder, let image {
                    FileManager.default.createFile(
                        atPath: "\(folder)/\(style)-\(width)x\(height).png", contents: Data(image.bytes))
                }
            }
            lines.append(line)
        }
        print(lines.joined(separator: "\n"))
    }
}
