extension LayoutTemplate {
    /// The text of the built-in `standard` layout: the same as `templates/layouts/standard.yaml` (a test checks;
    /// `python3 scripts/embed-layouts.py` rewrites this file from it).
    static let standardSource = #"""
        # The standard layout, built into adgen (`- layout` in a campaign's pipeline uses it). Copy this file to
        # start a layout of your own: `- layout: templates/layouts/mine.yaml`. The format is in docs/layouts.md.
        #
        # Boxes are [x, y, width, height] in shares (0 to 1) of the safe area: the canvas less the size's safe
        # zone (a story's top 250 and bottom 340 px), the margin and any bars. Elements are drawn in order.
        # The `product` box is where a campaign's product cutout goes (product.mode: composite), or one of its
        # `alternatives`, whichever shows the product largest with no copy on it.
        layout: standard
        description: >-
          Brand and headline at the top on a scrim, the product in the middle, the call-to-action button at the
          bottom; on banners and rectangles the product and the copy sit side by side, on skyscrapers in a stack.
        arrangements:
          # Leaderboards and mobile banners (728x90, 320x50, 468x60): one row, the product between logo and copy.
          - name: row
            aspect: { min: 5 }
            margin: 0.14
            elements:
              - shade: { opacity: 0.55 }
              - logo: { box: [0, 0.1, 0.14, 0.8], valign: middle }
              - product: { box: [0.16, 0, 0.14, 1], valign: middle }
              - headline: { box: [0.32, 0, 0.4, 1], lines: 1, valign: middle }
              - cta: { box: [0.74, 0.08, 0.26, 0.84], align: right, valign: middle }

          # Billboards and wide banners (970x250, 3:1): logo and headline left, the product in the middle, the button right.
          - name: billboard
            aspect: { min: 2.9 }
            margin: 0.1
            elements:
              - shade: { opacity: 0.5 }
              - logo: { box: [0, 0, 0.26, 0.2] }
              - headline: { box: [0, 0.28, 0.4, 0.72], lines: 2, valign: middle }
              - product: { box: [0.42, 0, 0.32, 1] }
              - cta: { box: [0.76, 0.2, 0.24, 0.6], align: right, valign: middle }

          # Landscape link ads (1200x628, 16:9): copy down the left, the product on the right.
          - name: landscape
            aspect: { min: 1.45 }
            elements:
              - scrim: { edge: top, extent: 0.72 }
              - scrim: { edge: bottom, extent: 0.35 }
              - logo: { box: [0, 0, 0.26, 0.1] }
              - headline: { box: [0, 0.15, 0.55, 0.38], lines: 2 }
              - offer: { box: [0, 0.56, 0.5, 0.1], flow: true }
              - cta: { box: [0, 0.8, 0.4, 0.2], valign: bottom }
              - product: { box: [0.58, 0.06, 0.42, 0.94] }
              - bar: { edge: bottom, thickness: 0.012 }

          # The same with the copy on the right: tried when the picture's subject is on the left.
          - name: landscape-right
            aspect: { min: 1.45 }
            elements:
              - scrim: { edge: top, extent: 0.72 }
              - scrim: { edge: bottom, extent: 0.35 }
              - logo: { box: [0.45, 0, 0.55, 0.1], align: right }
              - headline: { box: [0.45, 0.15, 0.55, 0.38], lines: 2, align: right }
              - offer: { box: [0.5, 0.56, 0.5, 0.1], flow: true, align: right }
              - cta: { box: [0.6, 0.8, 0.4, 0.2], align: right, valign: bottom }
              - product: { box: [0, 0.06, 0.42, 0.94] }
              - bar: { edge: bottom, thickness: 0.012 }

          # Skyscrapers and half pages (160x600, 300x600): a stack, the product under the copy, the button across the bottom.
          - name: stack
            aspect: { max: 0.52 }
            elements:
              - scrim: { edge: top, extent: 0.62 }
              - scrim: { edge: bottom, extent: 0.3 }
              - logo: { box: [0, 0, 1, 0.07] }
              - headline: { box: [0, 0.1, 1, 0.28], lines: 4 }
              - offer: { box: [0, 0.4, 1, 0.08], lines: 2, flow: true }
              - product: { box: [0, 0.52, 1, 0.34] }
              - cta: { box: [0, 0.89, 1, 0.11], full_width: true }

          # Rectangles (300x250, 6:5 to 3:2): the headline across the top, the offer and button left of the product.
          - name: rectangle
            aspect: { min: 1.1, max: 1.45 }
            elements:
              - scrim: { edge: top, extent: 0.85 }
              - scrim: { edge: bottom, extent: 0.3 }
              - logo: { box: [0, 0, 0.5, 0.09] }
              - headline: { box: [0, 0.15, 1, 0.3], lines: 2 }
              - offer: { box: [0, 0.48, 0.5, 0.28], lines: 3, flow: true }
              - cta: { box: [0, 0.8, 0.5, 0.2], valign: bottom }
              - product: { box: [0.52, 0.46, 0.48, 0.54] }
              - bar: { edge: bottom, thickness: 0.012 }

          # Everything else: squares, portraits, stories (1:1, 4:5, 9:16): copy on top, the product in the middle.
          - name: panel
            elements:
              - scrim: { edge: top, extent: 0.6 }
              - scrim: { edge: bottom, extent: 0.3 }
              - logo: { box: [0, 0, 0.42, 0.08] }
              - headline: { box: [0, 0.11, 0.92, 0.25], lines: 3 }
              - offer: { box: [0, 0.38, 0.8, 0.1], lines: 2, flow: true }
              # A wide band between the copy and the button, or, for a tall product, the lower right beside the button.
              - product: { box: [0.08, 0.5, 0.84, 0.34], alternatives: [[0.52, 0.5, 0.48, 0.5]] }
              - cta: { box: [0, 0.86, 0.62, 0.14], valign: bottom }
              - bar: { edge: bottom, thickness: 0.012 }
        """#
}
