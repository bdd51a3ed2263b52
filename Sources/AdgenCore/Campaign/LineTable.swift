/// Line starts of a text, to turn a Unicode-scalar offset into line and column.
struct LineTable {
    /// The scalar index where each line starts.
    private(set) var starts = [0]

    init(_ text: String) {
        var index = 0
        for scalar in text.unicodeScalars {
            index += 1
            if scalar == "\n" { starts.append(index) }
        }
    }

    func location(ofScalar offset: Int, file: String) -> SourceLocation {
        var low = 0
        var high = starts.count - 1
        while low < high {
            let mid = (low + high + 1) / 2
            if starts[mid] <= offset { low = mid } else { high = mid - 1 }
        }
        return SourceLocation(file: file, line: low + 1, column: offset - starts[low] + 1)
    }
}
