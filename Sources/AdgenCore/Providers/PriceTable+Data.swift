extension PriceTable {
    /// The text of the built-in price table: the same as `prices/prices.yaml` (a test checks;
    /// `python3 scripts/embed-prices.py` rewrites this file from it).
    static let builtInSource = #"""
        # adgen's price table: what one generated image costs, in US dollars, per provider, model and size.
        # `adgen plan` estimates a campaign's cost from it before any call; each finished job records the price of the
        # image it got, and the batch sums them (that is what `max_cost_usd` is checked against).
        #
        # It is built into adgen (`python3 scripts/embed-prices.py` rewrites Sources/AdgenCore/Providers/PriceTable+Data.swift
        # from this file; a test fails while the two differ). Prices change: each entry names its source and the date the
        # figure was read. Check the provider's own page before a large run. Format, in docs/providers.md:
        #
        #   provider, model        the campaign's generation.provider and generation.model; model "*" is any model
        #   quality                optional: the entry applies when generation.parameters.quality is this value; an entry
        #                          without quality is the default (OpenAI bills GPT image models by quality)
        #   per_image              a flat price per image
        #   per_megapixel          a price per started megapixel (2^20 pixels, rounded up, at least 1)
        #   sizes                  prices per exact size "WIDTHxHEIGHT"; a size not listed takes per_image/per_megapixel,
        #                          else the nearest listed size by pixel count
        #   source, date           where the figure comes from and when it was read
        #   note                   optional remarks
        currency: USD
        prices:
          # --- built in and self-hosted: no per-image charge (your own machine's time is not counted) ---
          - provider: local
            model: "*"
            per_image: 0
            source: adgen's built-in procedural renderer, runs on this machine
            date: 2026-11-26
          - provider: comfyui
            model: "*"
            per_image: 0
            source: self-hosted ComfyUI server; no per-image charge
            date: 2026-11-26
          - provider: automatic1111
            model: "*"
            per_image: 0
            source: self-hosted AUTOMATIC1111 / Forge webui; no per-image charge
            date: 2026-11-26

          # --- OpenAI Images API: per image, by model, quality and size ---
          - provider: openai
            model: gpt-image-1
            quality: low
            sizes: { 1024x1024: 0.011, 1024x1536: 0.016, 1536x1024: 0.016 }
            source: https://platform.openai.com/docs/pricing (Image generation, per image)
            date: 2026-05-11
          - provider: openai
            model: gpt-image-1
            quality: medium
            sizes: { 1024x1024: 0.042, 1024x1536: 0.063, 1536x1024: 0.063 }
            source: https://platform.openai.com/docs/pricing (Image generation, per image)
            date: 2026-05-11
          - provider: openai
            model: gpt-image-1
            quality: high
            sizes: { 1024x1024: 0.167, 1024x1536: 0.25, 1536x1024: 0.25 }
            source: https://platform.openai.com/docs/pricing (Image generation, per image)
            date: 2026-05-11
          - provider: openai
            model: gpt-image-1
            sizes: { 1024x1024: 0.167, 1024x1536: 0.25, 1536x1024: 0.25 }
            source: https://platform.openai.com/docs/pricing (Image generation, per image)
            date: 2026-05-11
            note: quality auto (the default) is priced as high, so the estimate never falls short
          - provider: openai
            model: dall-e-3
            quality: hd
            sizes: { 1024x1024: 0.08, 1792x1024: 0.12, 1024x1792: 0.12 }
            source: https://platform.openai.com/docs/pricing (Image generation, DALL·E 3 HD)
            date: 2026-05-11
          - provider: openai
            model: dall-e-3
            sizes: { 1024x1024: 0.04, 1792x1024: 0.08, 1024x1792: 0.08 }
            source: https://platform.openai.com/docs/pricing (Image generation, DALL·E 3 standard)
            date: 2026-05-11
          - provider: openai
            model: dall-e-2
            sizes: { 256x256: 0.016, 512x512: 0.018, 1024x1024: 0.02 }
            source: https://platform.openai.com/docs/pricing (Image generation, DALL·E 2)
            date: 2026-05-11

          # --- Replicate: official models billed per output image ---
          - provider: replicate
            model: black-forest-labs/flux-schnell
            per_image: 0.003
            source: https://replicate.com/pricing (black-forest-labs/flux-schnell, per output image)
            date: 2026-05-25
          - provider: replicate
            model: black-forest-labs/flux-dev
            per_image: 0.025
            source: https://replicate.com/pricing (black-forest-labs/flux-dev, per output image)
            date: 2026-05-11
          - provider: replicate
            model: black-forest-labs/flux-1.1-pro
            per_image: 0.04
            source: https://replicate.com/pricing (black-forest-labs/flux-1.1-pro, per output image)
            date: 2026-05-11
          - provider: replicate
            model: bria/remove-background
            per_image: 0.018
            source: https://replicate.com/bria/remove-background (per output image)
            date: 2026-05-11
            note: used by the remove_background step

          # --- fal: per megapixel of output ---
          - provider: fal
            model: fal-ai/flux/schnell
            per_megapixel: 0.003
            source: https://fal.ai/models/fal-ai/flux/schnell (pricing, per megapixel)
            date: 2026-05-11
          - provider: fal
            model: fal-ai/flux/dev
            per_megapixel: 0.025
            source: https://fal.ai/models/fal-ai/flux/dev (pricing, per megapixel)
            date: 2026-05-25
          - provider: fal
            model: fal-ai/flux-pro/v1.1
            per_megapixel: 0.04
            source: https://fal.ai/models/fal-ai/flux-pro/v1.1 (pricing, per megapixel)
            date: 2026-05-11
            note: some listings give 0.055; check before large runs
          - provider: fal
            model: fal-ai/bria/background/remove
            per_image: 0.018
            source: https://fal.ai/models/fal-ai/bria/background/remove (pricing, per image)
            date: 2026-05-11
            note: used by the remove_background step
        """#
}
