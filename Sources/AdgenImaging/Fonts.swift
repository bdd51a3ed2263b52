import CVips
import Foundation

/// The fonts fontconfig knows on this machine. Pango substitutes a missing font without a word, so adgen
/// checks a font's family here before it sets any text in it.
public enum Fonts {
    /// The installed families, sorted, each once (fontconfig's localised names included).
    public static var families: [String] { installed.families }

    /// Whether `description` (a Pango font description such as `DejaVu Sans Bold 48`) names an installed
    /// family, or a generic one (`sans`, `serif`, `monospace`) that fontconfig always resolves.
    public static func isInstalled(_ description: String) -> Bool {
        let wanted = family(of: description)
        if wanted.isEmpty { return true }
        return wanted.split(separator: ",").contains { name in
            let key = name.trimmingCharacters(in: .whitespaces).lowercased()
            return key.isEmpty || generic.contains(key) || installed.lowercased.contains(key)
        }
    }

    /// Throws when `description` names no installed family, saying how to list the fonts there are.
    public static func check(_ description: String) throws(ImagingError) {
        guard !isInstalled(description) else { return }
        let wanted = family(of: description)
        let close = families.filter { $0.lowercased().hasPrefix(String(wanted.lowercased().prefix(4))) }.prefix(3)
        let suggestion = close.isEmpty ? "" : " (installed and close: \(close.joined(separator: ", ")))"
        throw ImagingError(
            .font,
            "font '\(wanted)' is not installed\(suggestion); `adgen fonts` lists the installed families (as does `fc-list : family`), or install the font (e.g. apt-get install fonts-…) and run again"
        )
    }

    /// The family list of a Pango font description: the description without its trailing size and
    /// style words (`DejaVu Sans Bold Italic 48` → `DejaVu Sans`), as Pango parses it.
    public static func family(of description: String) -> String {
        var words = description.split(whereSeparator: \.isWhitespace).map(String.init)
        if let last = words.last, isSize(last) { words.removeLast() }
        while let last = words.last, styleWords.contains(last.lowercased().trimmingCharacters(in: [","])) {
            words.removeLast()
        }
        return words.joined(separator: " ").trimmingCharacters(in: CharacterSet(charactersIn: ", "))
    }

    static func isSize(_ word: String) -> Bool {
        let number = word.hasSuffix("px") ? String(word.dropLast(2)) : word
        return Double(number) != nil
    }

    /// Pango's style, variant, weight, stretch and gravity words.
    static let styleWords: Set<String> = [
        "normal", "roman", "oblique", "italic", "small-caps", "all-small-caps", "petite-caps", "all-petite-caps",
        "unicase", "title-caps", "thin", "ultra-light", "extra-light", "light", "semi-light", "demi-light", "book",
        "regular", "medium", "semi-bold", "demi-bold", "bold", "ultra-bold", "extra-bold", "heavy", "black",
        "ultra-black", "extra-black", "ultra-condensed", "extra-condensed", "condensed", "semi-condensed",
        "semi-expanded", "expanded", "extra-expanded", "ultra-expanded", "not-rotated", "south", "upside-down",
        "north", "rotated-left", "east", "rotated-right", "west",
    ]

    /// Family names fontconfig maps to an installed font by its own rules.
    static let generic: Set<String> = [
        "sans", "sans-serif", "serif", "monospace", "mono", "system-ui", "cursive", "fantasy", "emoji",
    ]

    struct Installed: Sendable {
        var families: [String]
        var lowercased: Set<String>
    }

    /// Read once per process: installing a font while adgen runs is not supported.
    static let installed: Installed = {
        var names = Set<String>()
        if let text = adgen_font_families() {
            defer { free(text) }
            for line in String(cString: text).split(separator: "\n") { names.insert(String(line)) }
        }
        return Installed(families: names.sorted(), lowercased: Set(names.map { $0.lowercased() }))
    }()
}
