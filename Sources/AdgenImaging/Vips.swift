import CVips
import Foundation

/// The process-wide libvips runtime: started once, on first use.
enum Vips {
    /// Starts libvips (once; Swift initialises globals lazily and atomically).
    static let started: Void = {
        // adgen reports decode failures as errors of its own; libvips' warnings on stderr would repeat them.
        setenv("VIPS_WARNING", "0", 0)
        // glibc gives threads that allocate at the same time malloc arenas of their own, up to 8 per core, and
        // keeps their freed memory: with libvips' worker threads and a few images in flight that is ~90 MB more
        // peak RSS for the same work (the 8-size pack on 2 tasks: 268 -> 179 MiB). MALLOC_ARENA_MAX, when set,
        // still decides.
        if getenv("MALLOC_ARENA_MAX") == nil {
            adgen_limit_malloc_arenas(Int32(max(2, ProcessInfo.processInfo.activeProcessorCount)))
        }
        guard adgen_vips_init("adgen") == 0 else {
            fatalError("libvips failed to start: \(lastError())")
        }
        // Bounded caches: adgen runs many different operations once each.
        vips_cache_set_max(100)
        vips_cache_set_max_mem(64 * 1024 * 1024)
    }()

    /// libvips' error buffer, cleared, as one line.
    static func lastError() -> String {
        let text = String(cString: adgen_vips_error())
        adgen_vips_error_clear()
        return text.split(separator: "\n").joined(separator: "; ")
    }

    /// Runs a libvips operation that writes one output image; throws with libvips' message on failure.
    static func run(
        _ what: String, _ code: ImagingError.Code = .operation,
        _ body: (UnsafeMutablePointer<UnsafeMutablePointer<VipsImage>?>) -> Int32
    ) throws(ImagingError) -> Image {
        _ = started
        var output: UnsafeMutablePointer<VipsImage>?
        guard body(&output) == 0, let output else {
            throw ImagingError(code, "\(what) failed: \(lastError())")
        }
        return Image(owning: output)
    }
}
