// Static inline wrappers for the variadic libvips calls adgen uses: Swift cannot call C varargs
// functions, so each wrapper fixes the optional arguments it needs (as GRDB does for SQLite).
#ifndef ADGEN_CVIPS_SHIM_H
#define ADGEN_CVIPS_SHIM_H

#include <vips/vips.h>

static inline int adgen_vips_init(const char *program) { return VIPS_INIT(program); }

static inline const char *adgen_vips_error(void) { return vips_error_buffer(); }

static inline void adgen_vips_error_clear(void) { vips_error_clear(); }

static inline void adgen_vips_unref(VipsImage *image) { g_object_unref(image); }

static inline void adgen_vips_free(void *memory) { g_free(memory); }

/// Decodes an encoded image (PNG, JPEG, WebP, …) lazily; fails on truncated or corrupt data when pixels are read.
static inline VipsImage *adgen_load_buffer(const void *data, size_t length) {
    return vips_image_new_from_buffer(data, length, "", "fail_on", VIPS_FAIL_ON_ERROR, NULL);
}

/// Copies `image` into memory so later operations never go back to a source that may be freed.
static inline VipsImage *adgen_copy_memory(VipsImage *image) { return vips_image_copy_memory(image); }

static inline int adgen_resize(VipsImage *in, VipsImage **out, double scale, double vertical_scale) {
    return vips_resize(in, out, scale, "vscale", vertical_scale, "kernel", VIPS_KERNEL_LANCZOS3, NULL);
}

static inline int adgen_crop(VipsImage *in, VipsImage **out, int left, int top, int width, int height) {
    return vips_crop(in, out, left, top, width, height, NULL);
}

/// Resizes to cover width × height, then crops to it, keeping the most interesting part.
static inline int adgen_fill(VipsImage *in, VipsImage **out, int width, int height, VipsInteresting interesting) {
    return vips_thumbnail_image(in, out, width, "height", height, "crop", interesting, "size", VIPS_SIZE_BOTH, NULL);
}

static inline int adgen_embed(VipsImage *in, VipsImage **out, int x, int y, int width, int height,
                              const double *background, int bands) {
    VipsArrayDouble *ink = vips_array_double_new(background, bands);
    int result = vips_embed(in, out, x, y, width, height, "extend", VIPS_EXTEND_BACKGROUND, "background", ink, NULL);
    vips_area_unref(VIPS_AREA(ink));
    return result;
}

static inline int adgen_composite_over(VipsImage *base, VipsImage *overlay, VipsImage **out, int x, int y) {
    return vips_composite2(base, overlay, out, VIPS_BLEND_MODE_OVER, "x", x, "y", y, NULL);
}

/// `sub` pasted into `main` at x, y (no blending): cheap, it only copies pixels.
static inline int adgen_insert(VipsImage *main, VipsImage *sub, VipsImage **out, int x, int y) {
    return vips_insert(main, sub, out, x, y, NULL);
}

static inline int adgen_replicate(VipsImage *in, VipsImage **out, int across, int down) {
    return vips_replicate(in, out, across, down, NULL);
}

static inline int adgen_flatten(VipsImage *in, VipsImage **out, const double *background, int bands) {
    VipsArrayDouble *ink = vips_array_double_new(background, bands);
    int result = vips_flatten(in, out, "background", ink, NULL);
    vips_area_unref(VIPS_AREA(ink));
    return result;
}

/// Renders Pango markup to a one-band alpha image, wrapped at `width` (0: no wrap); when `height` > 0 the
/// font size is the largest that fits width × height, and `fitted_dpi` receives the dpi chosen.
static inline int adgen_text(VipsImage **out, const char *markup, const char *font, int width, int height,
                             VipsAlign align, int dpi, int *fitted_dpi) {
    *fitted_dpi = dpi;
    if (height > 0) {
        // libvips searches the dpi only when none is given.
        return vips_text(out, markup, "font", font, "width", width, "height", height, "align", align,
                         "autofit_dpi", fitted_dpi, NULL);
    }
    if (width > 0) {
        return vips_text(out, markup, "font", font, "width", width, "align", align, "dpi", dpi, NULL);
    }
    return vips_text(out, markup, "font", font, "align", align, "dpi", dpi, NULL);
}

static inline VipsImage *adgen_svg(const void *data, size_t length) {
    return vips_image_new_from_buffer(data, length, "", "fail_on", VIPS_FAIL_ON_ERROR, NULL);
}

static inline int adgen_copy_interpretation(VipsImage *in, VipsImage **out, VipsInterpretation interpretation) {
    return vips_copy(in, out, "interpretation", interpretation, NULL);
}

static inline int adgen_colourspace(VipsImage *in, VipsImage **out, VipsInterpretation space) {
    return vips_colourspace(in, out, space, NULL);
}

static inline int adgen_cast_uchar(VipsImage *in, VipsImage **out) { return vips_cast(in, out, VIPS_FORMAT_UCHAR, NULL); }

static inline int adgen_black(VipsImage **out, int width, int height, int bands) {
    return vips_black(out, width, height, "bands", bands, NULL);
}

/// `in * a + b` per band (a and b have `n` entries), cast back to 8 bits.
static inline int adgen_linear(VipsImage *in, VipsImage **out, const double *a, const double *b, int n) {
    return vips_linear(in, out, a, b, n, "uchar", TRUE, NULL);
}

static inline int adgen_bandjoin2(VipsImage *a, VipsImage *b, VipsImage **out) { return vips_bandjoin2(a, b, out, NULL); }

static inline int adgen_extract_band(VipsImage *in, VipsImage **out, int band, int n) {
    return vips_extract_band(in, out, band, "n", n, NULL);
}

static inline int adgen_stats(VipsImage *in, VipsImage **out) { return vips_stats(in, out, NULL); }

static inline int adgen_getpoint(VipsImage *in, double **vector, int *n, int x, int y) {
    return vips_getpoint(in, vector, n, x, y, NULL);
}

static inline int adgen_gaussblur(VipsImage *in, VipsImage **out, double sigma) { return vips_gaussblur(in, out, sigma, NULL); }

static inline int adgen_jpegsave(VipsImage *in, void **buffer, size_t *length, int quality, int subsample_off) {
    return vips_jpegsave_buffer(in, buffer, length, "Q", quality, "strip", TRUE, "optimize_coding", TRUE,
                                "subsample_mode", subsample_off ? VIPS_FOREIGN_SUBSAMPLE_OFF : VIPS_FOREIGN_SUBSAMPLE_ON,
                                "interlace", TRUE, NULL);
}

static inline int adgen_pngsave(VipsImage *in, void **buffer, size_t *length, int palette, int quality) {
    if (palette) {
        return vips_pngsave_buffer(in, buffer, length, "compression", 9, "palette", TRUE, "Q", quality, "strip", TRUE, NULL);
    }
    return vips_pngsave_buffer(in, buffer, length, "compression", 6, "strip", TRUE, NULL);
}

static inline int adgen_webpsave(VipsImage *in, void **buffer, size_t *length, int quality) {
    return vips_webpsave_buffer(in, buffer, length, "Q", quality, "strip", TRUE, NULL);
}

static inline int adgen_avifsave(VipsImage *in, void **buffer, size_t *length, int quality) {
    return vips_heifsave_buffer(in, buffer, length, "Q", quality, "compression", VIPS_FOREIGN_HEIF_COMPRESSION_AV1,
                                "strip", TRUE, NULL);
}

/// Whether this libvips build has an operation (e.g. "heifsave_buffer").
static inline int adgen_has_operation(const char *nickname) {
    return vips_type_find("VipsOperation", nickname) != 0;
}

/* MARK: painting */

/// PNG at zlib level `compression` (0 stored … 9 smallest), without row filters or metadata: quick to write,
/// for pictures that are decoded again at once.
static inline int adgen_pngsave_quick(VipsImage *in, void **buffer, size_t *length, int compression) {
    return vips_pngsave_buffer(in, buffer, length, "compression", compression, "filter", VIPS_FOREIGN_PNG_FILTER_NONE,
                               "strip", TRUE, NULL);
}

#endif
