extension LayoutTemplate {
    /// The text of the built-in `standard` layout: the same as `templates/layouts/standard.yaml` (a test checks;
    /// `python3 scripts/embed-layouts.py` rewrites this file from it).
    static let standardSource = #"""
        # The standard layout, built into adgen (`- layout` in a campaign's pipeline uses it). Copy this file to
        # start a layout of your own: `- layout: templates/layouts/mine.yaml`. The format is in docs/layouts.md.
        #
        # Boxes are [x, y, width, height] in shares (0 to 1) of the safe area: the canvas less the size's safe
        # zone (a story's top 250 and bottom 340 px), the margin and any bars. Elements are drawn in order.
        layout: standard
        description: >-
          Brand and headline at the top on a scrim, the call-to-action button at the bottom, the picture's
          subject left clear in the middle; one row on banners, a stack on skyscrapers.
        arrangements:
          # Leaderboards and mobile banners (728x90, 320x50, 468x60): one row.
          - name: row
            aspect: { min: 5 }
            margin: 0.14
            elements:
              - shade: { opacity: 0.55 }
              - logo: { box: [0, 0.1, 0.15, 0.8], valign: middle }
              - headline: { box: [0.18, 0, 0.5, 1], lines: 1, valign: middle }
              - cta: { box: [0.7, 0.08, 0.3, 0.84], align: right, valign: middle }

          # Billboards and wide banners (970x250, 3:1): logo and a two-line headline on the left, the button right.
          - name: billboard
            aspect: { min: 2.9 }
            margin: 0.1
            elements:
              - shade: { opacity: 0.5 }
              - logo: { box: [0, 0, 0.3, 0.22] }
              - headline: { box: [0, 0.3, 0.42, 0.7], lines: 2, valign: middle }
              - cta: { box: [0.7, 0.2, 0.3, 0.6], align: right, valign: middle }

          # Landscape link ads (1200x628, 16:9): copy down the left, the picture on the right.
          - name: landscape
            aspect: { min: 1.45 }
            elements:
              - scrim: { edge: top, extent: 0.72 }
              - scrim: { edge: bottom, extent: 0.35 }
              - logo: { box: [0, 0, 0.26, 0.1] }
              - headline: { box: [0, 0.15, 0.62, 0.38], lines: 2 }
              - offer: { box: [0, 0.56, 0.55, 0.1], flow: true }
              - cta: { box: [0, 0.8, 0.4, 0.2], valign: bottom }
              - bar: { edge: bottom, thickness: 0.012 }

          # Skyscrapers and half pages (160x600, 300x600): a stack, the button across the bottom.
          - name: stack
            aspect: { max: 0.52 }
            elements:
              - scrim: { edge: top, extent: 0.62 }
              - scrim: { edge: bottom, extent: 0.3 }
              - logo: { box: [0, 0, 1, 0.07] }
              - headline: { box: [0, 0.1, 1, 0.32], lines: 4 }
              - offer: { box: [0, 0.45, 1, 0.08], lines: 2, flow: true }
              - cta: { box: [0, 0.89, 1, 0.11], full_width: true }

          # Everything else: squares, portraits, stories, rectangles (1:1, 4:5, 9:16, 300x250).
          - name: panel
            elements:
              - scrim: { edge: top, extent: 0.6 }
              - scrim: { edge: bottom, extent: 0.3 }
              - logo: { box: [0, 0, 0.42, 0.08] }
              - headline: { box: [0, 0.11, 0.92, 0.25], lines: 3 }
              - offer: { box: [0, 0.38, 0.8, 0.1], lines: 2, flow: true }
              - cta: { box: [0, 0.86, 0.62, 0.14], valign: bottom }
              - bar: { edge: bottom, thickness: 0.012 }
        """#
}
