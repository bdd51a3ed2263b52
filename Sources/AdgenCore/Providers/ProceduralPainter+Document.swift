import Foundation

extension ProceduralPainter {
    /// A painted scene as SVG, in layers. Soft layers (the ground's gradient, glows, bokeh, blurred shadows, the
    /// vignette) have no edges to lose, so each is rendered 8 times smaller each way and enlarged; only the sharp
    /// shapes are rendered at full size. At a megapixel librsvg spends about 10 ms on each gradient that covers
    /// the picture and tens of milliseconds on each blur, but about 5 ms enlarging a small image.
    struct Scene {
        /// The picture's size in pixels.
        let width: Int
        let height: Int
        /// The ground's flat colour, under everything.
        var ground = "#000000"
        /// Gradients and filters the shapes use.
        var defs = ""
        /// The layers, bottom first.
        private(set) var layers = [Layer]()

        enum Layer {
            /// Soft shapes, rendered small.
            case soft([String])
            /// Shapes with edges, rendered at full size.
            case sharp([String])
        }

        /// Adds a soft shape (one that may use a blur filter: it is never rendered at full size).
        mutating func soft(_ element: String) {
            if case .soft(let elements) = layers.last {
                layers[layers.count - 1] = .soft(elements + [element])
            } else {
                layers.append(.soft([element]))
            }
        }

        /// Adds a soft shape and its gradients or filter.
        mutating func soft(_ shape: SoftShape) {
            defs += shape.defs
            soft(shape.element)
        }

        /// Adds a shape with edges.
        mutating func sharp(_ element: String) {
            if case .sharp(let elements) = layers.last {
                layers[layers.count - 1] = .sharp(elements + [element])
            } else {
                layers.append(.sharp([element]))
            }
        }

        /// How many times smaller soft layers are rendered: 8 for a megapixel, never under 128 pixels a side.
        var shrink: Int { max(1, min(8, min(width, height) / 128)) }

        /// Each soft layer as an SVG document `shrink` times smaller than the picture (stretched a little where a
        /// side does not divide evenly), bottom first. The bottom one lies on the ground; the others are clear
        /// where nothing is drawn.
        func softDocuments() -> [String] {
            let small = (
                width: Int((Double(width) / Double(shrink)).rounded(.up)),
                height: Int((Double(height) / Double(shrink)).rounded(.up))
            )
            return layers.enumerated().compactMap { index, layer in
                guard case .soft(let elements) = layer else { return nil }
                let ground = index == 0 ? groundElement : ""
                return document(width: small.width, height: small.height, body: ground + elements.joined())
            }
        }

        /// The whole picture, with `softImages` (the rendered `softDocuments()`, encoded as PNG) enlarged in place
        /// of the soft layers.
        func document(softImages: [[UInt8]]) -> String {
            var images = softImages.makeIterator()
            // The bottom soft layer is painted on the ground; without one, the ground is painted here.
            var body = groundElement
            if case .soft = layers.first { body = "" }
            for layer in layers {
                switch layer {
                case .soft:
                    guard let png = images.next() else { continue }
                    body +=
                        "<image x=\"0\" y=\"0\" width=\"\(width)\" height=\"\(height)\" preserveAspectRatio=\"none\" href=\"data:image/png;base64,\(Data(png).base64EncodedString())\"/>"
                case .sharp(let elements):
                    body += elements.joined()
                }
            }
            return document(width: width, height: height, body: body)
        }

        private var groundElement: String {
            "<rect x=\"0\" y=\"0\" width=\"\(width)\" height=\"\(height)\" fill=\"\(ground)\"/>"
        }

        /// A document drawing the picture's coordinates at `pixelWidth` × `pixelHeight`.
        private func document(width pixelWidth: Int, height pixelHeight: Int, body: String) -> String {
            """
            <svg xmlns="http://www.w3.org/2000/svg" width="\(pixelWidth)" height="\(pixelHeight)" \
            viewBox="0 0 \(width) \(height)" preserveAspectRatio="none"><defs>\(defs)</defs>\(body)</svg>
            """
        }
    }

    /// A soft shape: an SVG element and the gradients or filter it uses.
    struct SoftShape {
        var defs: String
        var element: String
    }
}
