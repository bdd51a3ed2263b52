// fontconfig queries: which font families are installed. Pango silently substitutes a missing font, so
// adgen asks fontconfig first and refuses a font that is not there.
#ifndef ADGEN_CVIPS_FONTS_H
#define ADGEN_CVIPS_FONTS_H

#include <fontconfig/fontconfig.h>
#include <stdlib.h>
#include <string.h>

/// The installed families, every name of each (fontconfig lists localised names too), separated by '\n';
/// NULL when fontconfig cannot start. Free with free().
static inline char *adgen_font_families(void) {
    if (!FcInit()) return NULL;
    FcPattern *pattern = FcPatternCreate();
    FcObjectSet *objects = FcObjectSetBuild(FC_FAMILY, (char *)0);
    FcFontSet *set = FcFontList(NULL, pattern, objects);
    FcObjectSetDestroy(objects);
    FcPatternDestroy(pattern);
    if (!set) return NULL;
    size_t capacity = 4096, length = 0;
    char *text = malloc(capacity);
    if (!text) {
        FcFontSetDestroy(set);
        return NULL;
    }
    text[0] = 0;
    for (int i = 0; i < set->nfont; i++) {
        FcChar8 *family;
        for (int n = 0; FcPatternGetString(set->fonts[i], FC_FAMILY, n, &family) == FcResultMatch; n++) {
            size_t add = strlen((const char *)family) + 1;
            if (length + add + 1 > capacity) {
                while (length + add + 1 > capacity) capacity *= 2;
                char *grown = realloc(text, capacity);
                if (!grown) {
                    free(text);
                    FcFontSetDestroy(set);
                    return NULL;
                }
                text = grown;
            }
            memcpy(text + length, family, add - 1);
            length += add - 1;
            text[length++] = '\n';
            text[length] = 0;
        }
    }
    FcFontSetDestroy(set);
    return text;
}

#endif
