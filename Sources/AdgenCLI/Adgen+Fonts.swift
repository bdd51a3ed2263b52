import AdgenImaging
import ArgumentParser

extension Adgen {
    /// `adgen fonts`: the font families installed here, for `brand.font` and a layout's `font`.
    struct FontsCommand: ParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "fonts",
            abstract: "List the font families installed on this machine (fontconfig), for brand.font and layouts.",
            discussion: """
                Name a font as Pango does: the family, then style words and a size, e.g. `DejaVu Sans Bold`. \
                A campaign naming a family that is not installed is refused when it is loaded.
                """)

        func run() throws {
            var output = StreamWriter.standardOutput()
            for family in Fonts.families { output.writeLine(family) }
            output.flush()
        }
    }
}
