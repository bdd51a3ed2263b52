// Static inline wrappers for the variadic libvips calls adgen uses: Swift cannot call C varargs
// functions, so each wrapper fixes the optional arguments it needs (as GRDB does for SQLite).
#ifndef ADGEN_CVIPS_SHIM_H
#define ADGEN_CVIPS_SHIM_H

#include <math.h>
#include <vips/vips.h>
#ifdef __GLIBC__
#include <malloc.h>
#endif

static inline int adgen_vips_init(const char *program) { return VIPS_INIT(program); }

/// At most `count` malloc arenas (glibc; elsewhere nothing).
static inline void adgen_limit_malloc_arenas(int count) {
#ifdef __GLIBC__
    mallopt(M_ARENA_MAX, count);
#else
    (void) count;
#endif
}

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

/// Resizes to width × height with lanczos3 all the way (`gap` 0) down to 1/32, then settles on exactly that size
/// (rounding can leave a pixel more or less: the edge is cropped or repeated). libvips' default `gap` (2) box-shrinks
/// by an integer factor first whenever the scale is below 1/4, and in 8.14 that pair is many times slower than the
/// lanczos3 reduce alone on an image in memory; below 1/32 the lanczos3 kernel grows too wide and the box shrink
/// comes first again.
static inline int adgen_resize_to(VipsImage *in, VipsImage **out, int width, int height) {
    VipsImage *resized;
    double hscale = (double) width / in->Xsize;
    double vscale = (double) height / in->Ysize;
    double gap = hscale < 1.0 / 32 || vscale < 1.0 / 32 ? 2.0 : 0.0;
    if (vips_resize(in, &resized, hscale, "vscale", vscale, "kernel", VIPS_KERNEL_LANCZOS3, "gap", gap, NULL)) {
        return -1;
    }
    if (resized->Xsize == width && resized->Ysize == height) {
        *out = resized;
        return 0;
    }
    int result = vips_embed(resized, out, 0, 0, width, height, "extend", VIPS_EXTEND_COPY, NULL);
    g_object_unref(resized);
    return result;
}

/// Where libvips' smartcrop puts a width × height window in `in`: its top-left corner.
static inline int adgen_smartcrop_window(VipsImage *in, int width, int height, VipsInteresting interesting, int *left,
                                         int *top) {
    VipsImage *window;
    if (vips_smartcrop(in, &window, width, height, "interesting", interesting, NULL)) {
        return -1;
    }
    // The crop is an extract_area: its offsets are minus the window's corner.
    *left = -window->Xoffset;
    *top = -window->Yoffset;
    g_object_unref(window);
    return 0;
}

/// How much attention each cell of a 32 × 32 grid over `in` draws, by the measure of libvips' smartcrop
/// `attention` (so crops land where smartcrop would put them): on `in` squeezed to 32 × 32 (premultiplied when it
/// has alpha), in XYZ, edges (five times the absolute Laplacian of Y), skin (100 − 100 × the distance of the
/// colour's direction in XYZ from the skin direction (0.78, 0.57, 0.44)) and saturation (CIELAB a*), the last two
/// only where Y > 5, summed. The 1,024 scores go to `scores`, row by row. Placing a crop then only needs a blur
/// and a maximum (`adgen_attention_peak`), so a picture cut to many sizes is measured once.
static inline int adgen_attention_map(VipsImage *in, float *scores) {
    static const double laplacian[] = {0, -1, 0, -1, 4, -1, 0, -1, 0};
    static const double unit[] = {1, 1, 1};
    static const double away_from_skin[] = {-0.78, -0.57, -0.44};
    VipsImage *scope = vips_image_new();
    VipsImage **t = (VipsImage **) vips_object_local_array(VIPS_OBJECT(scope), 32);
    VipsImage *source = in;
    VipsImage *parts[3];
    int result = -1;
    if (vips_image_hasalpha(in)) {
        if (vips_premultiply(in, &t[0], NULL)) goto done;
        source = t[0];
    }
    // XYZ (three bands) and Y of the 32 × 32 picture.
    if (vips_resize(source, &t[1], 32.0 / source->Xsize, "vscale", 32.0 / source->Ysize, NULL) ||
        vips_colourspace(t[1], &t[2], VIPS_INTERPRETATION_XYZ, NULL) ||
        vips_extract_band(t[2], &t[3], 0, "n", 3, NULL) || vips_extract_band(t[3], &t[4], 1, NULL))
        goto done;
    // Edges.
    if (!(t[5] = vips_image_new_matrix_from_array(3, 3, laplacian, 9)) ||
        vips_conv(t[4], &t[6], t[5], "precision", VIPS_PRECISION_INTEGER, NULL) ||
        vips_linear1(t[6], &t[7], 5.0, 0.0, NULL) || vips_abs(t[7], &t[8], NULL))
        goto done;
    // Skin: the colour's direction (XYZ over its length), its distance from skin's.
    if (vips_multiply(t[3], t[3], &t[9], NULL) || vips_bandmean(t[9], &t[10], NULL) ||
        vips_linear1(t[10], &t[11], 3.0, 0.0, NULL) || vips_pow_const1(t[11], &t[12], 0.5, NULL) ||
        vips_divide(t[3], t[12], &t[13], NULL) || vips_linear(t[13], &t[14], unit, away_from_skin, 3, NULL) ||
        vips_multiply(t[14], t[14], &t[15], NULL) || vips_bandmean(t[15], &t[16], NULL) ||
        vips_linear1(t[16], &t[17], 3.0, 0.0, NULL) || vips_pow_const1(t[17], &t[18], 0.5, NULL) ||
        vips_linear1(t[18], &t[19], -100.0, 100.0, NULL))
        goto done;
    // Saturation, and both only where it is not dark.
    if (vips_colourspace(t[3], &t[20], VIPS_INTERPRETATION_LAB, NULL) || vips_extract_band(t[20], &t[21], 1, NULL) ||
        vips_more_const1(t[4], &t[22], 5.0, NULL) || !(t[23] = vips_image_new_from_image1(t[22], 0.0)) ||
        vips_ifthenelse(t[22], t[19], t[23], &t[24], NULL) || vips_ifthenelse(t[22], t[21], t[23], &t[25], NULL))
        goto done;
    parts[0] = t[8];
    parts[1] = t[24];
    parts[2] = t[25];
    if (vips_sum(parts, &t[26], 3, NULL) || vips_cast(t[26], &t[27], VIPS_FORMAT_FLOAT, NULL)) goto done;
    if (t[27]->Xsize != 32 || t[27]->Ysize != 32 || t[27]->Bands != 1) {
        vips_error("adgen", "the attention map is %dx%d, not 32x32", t[27]->Xsize, t[27]->Ysize);
        goto done;
    }
    if (!(t[28] = vips_image_copy_memory(t[27]))) goto done;
    memcpy(scores, t[28]->data, 32 * 32 * sizeof(float));
    result = 0;
done:
    g_object_unref(scope);
    return result;
}

/// The cell where `scores` (32 × 32, from `adgen_attention_map`) blurred by a Gaussian of `sigma` cells peaks:
/// the centre smartcrop puts a crop on. The blur is libvips' `gaussblur` (taps down to 0.2 of the peak, edges
/// repeated); the first maximum in reading order wins.
static inline void adgen_attention_peak(const float *scores, double sigma, int *peak_x, int *peak_y) {
    enum { SIDE = 32, MOST = 64 };
    double weights[2 * MOST + 1];
    double spread = 2 * sigma * sigma;
    int reach = 0;
    while (reach < MOST && exp(-(double) ((reach + 1) * (reach + 1)) / spread) >= 0.2) reach++;
    double total = 0;
    for (int k = -reach; k <= reach; k++) total += weights[k + reach] = exp(-(double) (k * k) / spread);
    double across[SIDE * SIDE];
    for (int y = 0; y < SIDE; y++) {
        for (int x = 0; x < SIDE; x++) {
            double sum = 0;
            for (int k = -reach; k <= reach; k++) {
                int column = x + k < 0 ? 0 : x + k >= SIDE ? SIDE - 1 : x + k;
                sum += weights[k + reach] * scores[y * SIDE + column];
            }
            across[y * SIDE + x] = sum / total;
        }
    }
    double best = -INFINITY;
    *peak_x = 0;
    *peak_y = 0;
    for (int y = 0; y < SIDE; y++) {
        for (int x = 0; x < SIDE; x++) {
            double sum = 0;
            for (int k = -reach; k <= reach; k++) {
                int row = y + k < 0 ? 0 : y + k >= SIDE ? SIDE - 1 : y + k;
                sum += weights[k + reach] * across[row * SIDE + x];
            }
            if (sum / total > best) {
                best = sum / total;
                *peak_x = x;
                *peak_y = y;
            }
        }
    }
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

/// `in` with one more band, of `value` everywhere (an opaque alpha band: 255).
static inline int adgen_bandjoin_const1(VipsImage *in, VipsImage **out, double value) {
    return vips_bandjoin_const1(in, out, value, NULL);
}

/// `in` surrounded by `margin` pixels of zero in every band.
static inline int adgen_pad(VipsImage *in, VipsImage **out, int margin) {
    return vips_embed(in, out, margin, margin, in->Xsize + 2 * margin, in->Ysize + 2 * margin, "extend",
                      VIPS_EXTEND_BLACK, NULL);
}

static inline int adgen_extract_band(VipsImage *in, VipsImage **out, int band, int n) {
    return vips_extract_band(in, out, band, "n", n, NULL);
}

static inline int adgen_stats(VipsImage *in, VipsImage **out) { return vips_stats(in, out, NULL); }

static inline int adgen_getpoint(VipsImage *in, double **vector, int *n, int x, int y) {
    return vips_getpoint(in, vector, n, x, y, NULL);
}

static inline int adgen_gaussblur(VipsImage *in, VipsImage **out, double sigma) { return vips_gaussblur(in, out, sigma, NULL); }

static inline int adgen_jpegsave(VipsImage *in, void **buffer, size_t *length, int quality, int subsample_off,
                                 int optimize_coding, int interlace) {
    return vips_jpegsave_buffer(in, buffer, length, "Q", quality, "strip", TRUE, "optimize_coding", optimize_coding,
                                "subsample_mode", subsample_off ? VIPS_FOREIGN_SUBSAMPLE_OFF : VIPS_FOREIGN_SUBSAMPLE_ON,
                                "interlace", interlace, NULL);
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

/// A thumbnail of the image file at `path` fitted inside width × height (never enlarged; the aspect ratio kept), in
/// sRGB: libvips' `thumbnail`, which shrinks while it decodes where the format allows (JPEG, WebP) and otherwise
/// reads the file a few lines at a time, so the picture is never held at full size. Built outside libvips' operation
/// cache: once the caller drops the thumbnail nothing of the file is kept (no open loader, no decode buffers).
static inline VipsImage *adgen_thumbnail_file(const char *path, int width, int height) {
    VipsOperation *operation = vips_operation_new("thumbnail");
    if (!operation) {
        return NULL;
    }
    VipsImage *out = NULL;
    if (vips_object_set((VipsObject *) operation, "filename", path, "width", width, "height", height, "size",
                        VIPS_SIZE_DOWN, NULL) ||
        vips_object_build((VipsObject *) operation)) {
        vips_object_unref_outputs((VipsObject *) operation);
        g_object_unref(operation);
        return NULL;
    }
    g_object_get(operation, "out", &out, NULL);
    vips_object_unref_outputs((VipsObject *) operation);
    g_object_unref(operation);
    return out;
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

/* MARK: drawing in place */

// A layout draws its overlays straight into one copy of the picture, as Pillow's ImageDraw does: every overlay
// costs the pixels it covers, in integer arithmetic, with no intermediate images. These work on 8-bit images held
// in memory with 3 (RGB) or 4 (RGBA) bands.

/// A new memory image with a copy of `in`'s pixels, which the caller owns and may change in place.
static inline VipsImage *adgen_memory_copy(VipsImage *in) {
    VipsImage *out = vips_image_new_memory();
    if (vips_image_write(in, out)) {
        g_object_unref(out);
        return NULL;
    }
    return out;
}

/// The pixels of an 8-bit image held in memory: rows of Xsize × Bands bytes, one after another.
static inline unsigned char *adgen_pixels(VipsImage *image) { return (unsigned char *) image->data; }

/// round(x / 255) for x ≤ 255 × 255.
static inline unsigned adgen_div255(unsigned x) {
    x += 128;
    return (x + (x >> 8)) >> 8;
}

/// `ink` (3 colour bytes) over one pixel of `bands` (3 or 4) with coverage `a` (0 to 255).
static inline void adgen_blend_pixel(unsigned char *pixel, int bands, const unsigned char *ink, unsigned a) {
    if (a == 0) {
        return;
    }
    if (bands == 3 || pixel[3] == 255) {
        unsigned keep = 255 - a;
        pixel[0] = (unsigned char) adgen_div255(pixel[0] * keep + ink[0] * a);
        pixel[1] = (unsigned char) adgen_div255(pixel[1] * keep + ink[1] * a);
        pixel[2] = (unsigned char) adgen_div255(pixel[2] * keep + ink[2] * a);
        return;
    }
    // Over a translucent pixel: the colours weighted by their alphas.
    unsigned under = adgen_div255(pixel[3] * (255 - a));
    unsigned alpha = a + under;
    for (int c = 0; c < 3; c++) {
        pixel[c] = (unsigned char) ((ink[c] * a + pixel[c] * under + alpha / 2) / alpha);
    }
    pixel[3] = (unsigned char) alpha;
}

/// Clips the rectangle x, y, width, height to the canvas; false when nothing is left. `skip_x` and `skip_y`
/// receive how much was cut from the left and the top.
static inline int adgen_clip(VipsImage *canvas, int *x, int *y, int *width, int *height, int *skip_x, int *skip_y) {
    *skip_x = *x < 0 ? -*x : 0;
    *skip_y = *y < 0 ? -*y : 0;
    *x += *skip_x;
    *y += *skip_y;
    *width -= *skip_x;
    *height -= *skip_y;
    if (*x + *width > canvas->Xsize) {
        *width = canvas->Xsize - *x;
    }
    if (*y + *height > canvas->Ysize) {
        *height = canvas->Ysize - *y;
    }
    return *width > 0 && *height > 0;
}

/// `ink` (RGBA) through a one-band 8-bit `mask` (mask_width × mask_height, rows packed) placed at x, y: the
/// mask's value times the ink's alpha is the coverage.
static inline void adgen_draw_mask(VipsImage *canvas, const unsigned char *mask, int mask_width, int mask_height,
                                   int x, int y, const unsigned char *ink) {
    int width = mask_width, height = mask_height, skip_x, skip_y;
    if (!adgen_clip(canvas, &x, &y, &width, &height, &skip_x, &skip_y)) {
        return;
    }
    int bands = canvas->Bands;
    for (int row = 0; row < height; row++) {
        const unsigned char *m = mask + (size_t) (row + skip_y) * mask_width + skip_x;
        unsigned char *p = adgen_pixels(canvas) + ((size_t) (y + row) * canvas->Xsize + x) * bands;
        for (int column = 0; column < width; column++, p += bands) {
            unsigned a = ink[3] == 255 ? m[column] : adgen_div255(m[column] * ink[3]);
            adgen_blend_pixel(p, bands, ink, a);
        }
    }
}

/// `ink` (RGB) across whole rows from `top`, row i with coverage `coverage[i]`: a vertical gradient.
static inline void adgen_draw_rows(VipsImage *canvas, int top, int rows, const unsigned char *coverage,
                                   const unsigned char *ink) {
    int x = 0, width = canvas->Xsize, height = rows, skip_x, skip_y;
    if (!adgen_clip(canvas, &x, &top, &width, &height, &skip_x, &skip_y)) {
        return;
    }
    int bands = canvas->Bands;
    for (int row = 0; row < height; row++) {
        unsigned a = coverage[row + skip_y];
        unsigned char *p = adgen_pixels(canvas) + (size_t) (top + row) * canvas->Xsize * bands;
        for (int column = 0; column < width; column++, p += bands) {
            adgen_blend_pixel(p, bands, ink, a);
        }
    }
}

/// A rectangle of `ink` (RGBA) with corners rounded by `radius`, anti-aliased: each pixel is covered by how far
/// its centre lies inside the shape (a signed distance, clamped to one pixel).
static inline void adgen_draw_rounded_rect(VipsImage *canvas, int x, int y, int width, int height, double radius,
                                           const unsigned char *ink) {
    double half_width = width / 2.0, half_height = height / 2.0;
    double centre_x = x + half_width, centre_y = y + half_height;
    if (radius > half_width) radius = half_width;
    if (radius > half_height) radius = half_height;
    if (radius < 0) radius = 0;
    int left = x, top = y, w = width, h = height, skip_x, skip_y;
    if (!adgen_clip(canvas, &left, &top, &w, &h, &skip_x, &skip_y)) {
        return;
    }
    int bands = canvas->Bands;
    for (int row = 0; row < h; row++) {
        double dy = fabs(top + row + 0.5 - centre_y) - (half_height - radius);
        unsigned char *p = adgen_pixels(canvas) + ((size_t) (top + row) * canvas->Xsize + left) * bands;
        for (int column = 0; column < w; column++, p += bands) {
            double dx = fabs(left + column + 0.5 - centre_x) - (half_width - radius);
            double outside;
            if (dx > 0 && dy > 0) {
                outside = sqrt(dx * dx + dy * dy) - radius;
            } else {
                outside = (dx > dy ? dx : dy) - radius;
            }
            double cover = 0.5 - outside;
            if (cover <= 0) continue;
            unsigned a = cover >= 1 ? 255 : (unsigned) (cover * 255 + 0.5);
            adgen_blend_pixel(p, bands, ink, adgen_div255(a * ink[3]));
        }
    }
}

/// An 8-bit RGBA `overlay` (overlay_width × overlay_height, rows packed) over the canvas at x, y.
static inline void adgen_draw_rgba(VipsImage *canvas, const unsigned char *overlay, int overlay_width,
                                   int overlay_height, int x, int y) {
    int width = overlay_width, height = overlay_height, skip_x, skip_y;
    if (!adgen_clip(canvas, &x, &y, &width, &height, &skip_x, &skip_y)) {
        return;
    }
    int bands = canvas->Bands;
    for (int row = 0; row < height; row++) {
        const unsigned char *o = overlay + ((size_t) (row + skip_y) * overlay_width + skip_x) * 4;
        unsigned char *p = adgen_pixels(canvas) + ((size_t) (y + row) * canvas->Xsize + x) * bands;
        for (int column = 0; column < width; column++, p += bands, o += 4) {
            adgen_blend_pixel(p, bands, o, o[3]);
        }
    }
}

/// A new 8-bit image holding a copy of `length` bytes of interleaved pixels.
static inline VipsImage *adgen_from_pixels(const void *data, size_t length, int width, int height, int bands) {
    VipsImage *image = vips_image_new_from_memory_copy(data, length, width, height, bands, VIPS_FORMAT_UCHAR);
    if (image) image->Type = bands >= 3 ? VIPS_INTERPRETATION_sRGB : VIPS_INTERPRETATION_B_W;
    return image;
}

#endif
