/* yaml_doc.c: libyaml events -> position-aware node trees, with guards against hostile input. */
#include "yaml_doc.h"

#include <errno.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <yaml.h>

/* ---- character index -> byte offset ----
 * libyaml marks count characters, not bytes; slicing the source needs bytes. Marks arrive nearly in order, so a
 * cursor that only walks forward (and restarts when asked for an earlier index) is linear overall. */
typedef struct offset_map {
    const unsigned char *s;
    size_t len, base; /* base: bytes of a UTF-8 byte-order mark, which libyaml skips without counting */
    size_t idx, byte;
} offset_map;

static void offset_map_init(offset_map *m, const char *s, size_t len) {
    m->s = (const unsigned char *)s;
    m->len = len;
    m->base = len >= 3 && memcmp(s, "\xEF\xBB\xBF", 3) == 0 ? 3 : 0;
    m->idx = 0;
    m->byte = m->base;
}

static size_t byte_offset(offset_map *m, size_t idx) {
    if (idx < m->idx) {
        m->idx = 0;
        m->byte = m->base;
    }
    while (m->idx < idx && m->byte < m->len) {
        m->byte++;
        while (m->byte < m->len && (m->s[m->byte] & 0xC0) == 0x80) m->byte++; /* continuation bytes */
        m->idx++;
    }
    return m->byte;
}

/* ---- building state ---- */
typedef struct frame {
    ynode *node;
    ynode **items;
    size_t n, cap;
    bool flow;
    char *anchor; /* registered when the collection is complete, so an alias cannot point into its own anchor */
    char path[256]; /* dotted key path for messages */
} frame;

typedef struct anchor {
    char *name;
    ynode *node;
} anchor;

typedef struct builder {
    const char *src;
    size_t src_len;
    const char *file;
    sw_diag *diag;
    yfile *out;
    offset_map offsets;
    frame stack[YAML_MAX_DEPTH];
    size_t depth;
    anchor *anchors;
    size_t n_anchors, cap_anchors;
    ydoc *doc; /* the last document started, or NULL */
    bool doc_open;
    bool oom;
} builder;

static void *grow(void *array, size_t *cap, size_t need, size_t elem) {
    if (need <= *cap) return array;
    size_t cap2 = *cap ? *cap * 2 : 8;
    while (cap2 < need) cap2 *= 2;
    void *p = realloc(array, cap2 * elem);
    if (p) *cap = cap2;
    return p;
}

static ynode *new_node(builder *b, ynode_kind kind, const yaml_mark_t *start, const yaml_mark_t *end) {
    yfile *f = b->out;
    if (f->n_arena >= YAML_MAX_NODES) {
        sw_diag_add(b->diag, b->file, (int)start->line + 1, (int)start->column + 1, NULL, NULL,
                    "the file has more than %d YAML nodes; a sweep spec is a short text", YAML_MAX_NODES);
        return NULL;
    }
    ynode **arena = grow(f->arena, &f->cap_arena, f->n_arena + 1, sizeof *arena);
    ynode *n = calloc(1, sizeof *n);
    if (!arena || !n) {
        if (arena) f->arena = arena;
        free(n);
        b->oom = true;
        return NULL;
    }
    f->arena = arena;
    f->arena[f->n_arena++] = n;
    n->kind = kind;
    n->line = (int)start->line + 1;
    n->col = (int)start->column + 1;
    n->begin = byte_offset(&b->offsets, start->index);
    n->end = byte_offset(&b->offsets, end->index);
    n->expanded = 1;
    return n;
}

static void free_anchors(builder *b) {
    for (size_t i = 0; i < b->n_anchors; i++) free(b->anchors[i].name);
    b->n_anchors = 0;
}

static bool register_anchor(builder *b, const char *name, ynode *node) {
    if (!name) return true;
    anchor *a = grow(b->anchors, &b->cap_anchors, b->n_anchors + 1, sizeof *a);
    char *copy = strdup(name);
    if (!a || !copy) {
        if (a) b->anchors = a;
        free(copy);
        b->oom = true;
        return false;
    }
    b->anchors = a;
    b->anchors[b->n_anchors++] = (anchor){copy, node}; /* a later anchor of the same name shadows: search back */
    return true;
}

static ynode *find_anchor(const builder *b, const char *name) {
    for (size_t i = b->n_anchors; i-- > 0;)
        if (strcmp(b->anchors[i].name, name) == 0) return b->anchors[i].node;
    return NULL;
}

/* Adds a finished node to the open collection or makes it the document's root. Enforces the expansion limit. */
static bool attach(builder *b, ynode *n, int line, int col) {
    if (b->depth == 0) {
        b->doc->root = n;
        return true;
    }
    frame *fr = &b->stack[b->depth - 1];
    ynode **items = grow(fr->items, &fr->cap, fr->n + 1, sizeof *items);
    if (!items) {
        b->oom = true;
        return false;
    }
    fr->items = items;
    fr->items[fr->n++] = n;
    fr->node->expanded += n->expanded;
    if (fr->node->expanded > YAML_MAX_EXPANDED) {
        sw_diag_add(b->diag, b->file, line, col, NULL, NULL,
                    "the document expands to more than %d nodes through aliases (an alias bomb?)",
                    YAML_MAX_EXPANDED);
        return false;
    }
    return true;
}

static void format_path(char *buf, size_t size, const char *fmt, ...) __attribute__((format(printf, 3, 4)));
static void format_path(char *buf, size_t size, const char *fmt, ...) {
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(buf, size, fmt, ap);
    va_end(ap);
}

/* The dotted path of the next child of the open collection (for messages about what it contains). */
static void child_path(const builder *b, char *buf, size_t size) {
    buf[0] = '\0';
    if (b->depth == 0) return;
    const frame *fr = &b->stack[b->depth - 1];
    if (fr->node->kind == YNODE_SEQ)
        format_path(buf, size, "%s[%zu]", fr->path, fr->n);
    else if (fr->n % 2 == 1 && fr->items[fr->n - 1]->kind == YNODE_SCALAR)
        format_path(buf, size, "%s%s%s", fr->path, fr->path[0] ? "." : "", fr->items[fr->n - 1]->text);
    else
        format_path(buf, size, "%s", fr->path);
}

/* ---- scalars: YAML 1.2 core schema ---- */
static bool all_digits(const char *s, const char *digits) {
    if (!*s) return false;
    for (; *s; s++)
        if (!strchr(digits, *s)) return false;
    return true;
}

static bool is_core_int(const char *s) {
    if (s[0] == '0' && s[1] == 'o') return all_digits(s + 2, "01234567");
    if (s[0] == '0' && s[1] == 'x') return all_digits(s + 2, "0123456789abcdefABCDEF");
    if (*s == '-' || *s == '+') s++;
    return all_digits(s, "0123456789");
}

static bool is_one_of(const char *s, const char *const *names) {
    for (; *names; names++)
        if (strcmp(s, *names) == 0) return true;
    return false;
}

static bool is_core_float(const char *s) {
    static const char *const specials[] = {".inf", ".Inf", ".INF", ".nan", ".NaN", ".NAN", NULL};
    static const char *const signed_inf[] = {".inf", ".Inf", ".INF", NULL};
    if (is_one_of(s, specials)) return true;
    if (*s == '-' || *s == '+') s++;
    if (is_one_of(s, signed_inf)) return true;
    size_t int_digits = strspn(s, "0123456789");
    s += int_digits;
    size_t frac_digits = 0;
    if (*s == '.') {
        s++;
        frac_digits = strspn(s, "0123456789");
        s += frac_digits;
    }
    if (int_digits == 0 && frac_digits == 0) return false;
    if (*s == 'e' || *s == 'E') {
        s++;
        if (*s == '-' || *s == '+') s++;
        size_t exp_digits = strspn(s, "0123456789");
        if (exp_digits == 0) return false;
        s += exp_digits;
    }
    return *s == '\0';
}

static yscalar_kind resolve_plain(const char *s) {
    static const char *const nulls[] = {"", "~", "null", "Null", "NULL", NULL};
    static const char *const bools[] = {"true", "True", "TRUE", "false", "False", "FALSE", NULL};
    if (is_one_of(s, nulls)) return YS_NULL;
    if (is_one_of(s, bools)) return YS_BOOL;
    if (is_core_int(s)) return YS_INT;
    if (is_core_float(s)) return YS_FLOAT;
    return YS_STRING;
}

static yscalar_kind resolve_scalar(const yaml_event_t *ev) {
    const char *tag = (const char *)ev->data.scalar.tag;
    const char *text = (const char *)ev->data.scalar.value;
    if (tag) {
        if (strcmp(tag, YAML_STR_TAG) == 0 || strcmp(tag, "!") == 0) return YS_STRING;
        if (strcmp(tag, YAML_INT_TAG) == 0 || strcmp(tag, YAML_FLOAT_TAG) == 0 || strcmp(tag, YAML_NULL_TAG) == 0 ||
            strcmp(tag, YAML_BOOL_TAG) == 0)
            return resolve_plain(text); /* an explicit numeric tag on a quoted scalar: read it as a number */
    }
    return ev->data.scalar.style == YAML_PLAIN_SCALAR_STYLE ? resolve_plain(text) : YS_STRING;
}

bool ynode_number(const ynode *n, ynumber *out) {
    *out = (ynumber){0};
    if (n->kind != YNODE_SCALAR || (n->scalar != YS_INT && n->scalar != YS_FLOAT)) return false;
    const char *s = n->text;
    if (n->scalar == YS_FLOAT) {
        const char *t = (*s == '-' || *s == '+') ? s + 1 : s;
        if (t[0] == '.' && (t[1] == 'i' || t[1] == 'I')) out->value = *s == '-' ? -HUGE_VAL : HUGE_VAL;
        else if (t[0] == '.' && (t[1] == 'n' || t[1] == 'N')) out->value = NAN;
        else out->value = strtod(s, NULL);
        return true;
    }
    out->is_int = true;
    int base = 10;
    const char *digits = s;
    if (s[0] == '0' && (s[1] == 'x' || s[1] == 'o')) {
        base = s[1] == 'x' ? 16 : 8;
        digits = s + 2;
    }
    if (*digits != '-') { /* strtoull would silently negate */
        errno = 0;
        unsigned long long u = strtoull(digits, NULL, base);
        if (errno == 0) {
            out->is_uint64 = true;
            out->uinteger = u;
        }
    }
    errno = 0;
    long long i = base == 10 ? strtoll(digits, NULL, 10) : 0;
    if (base != 10) {
        out->int_overflow = !out->is_uint64 || out->uinteger > (uint64_t)INT64_MAX;
        i = out->int_overflow ? 0 : (long long)out->uinteger;
        out->value = out->is_uint64 ? (double)out->uinteger : HUGE_VAL;
    } else {
        out->int_overflow = errno == ERANGE;
        out->value = strtod(s, NULL); /* correctly rounded even beyond 2^53 */
    }
    out->integer = out->int_overflow ? 0 : (int64_t)i;
    return true;
}

const char *ynode_kind_name(const ynode *n) {
    if (n->kind == YNODE_SEQ) return "a list";
    if (n->kind == YNODE_MAP) return "a mapping";
    switch (n->scalar) {
    case YS_NULL: return "nothing (null)";
    case YS_BOOL: return "a boolean";
    case YS_INT: return "an integer";
    case YS_FLOAT: return "a number";
    case YS_STRING: break;
    }
    return "a string";
}

/* ---- events -> nodes ---- */
static bool on_scalar(builder *b, const yaml_event_t *ev) {
    ynode *n = new_node(b, YNODE_SCALAR, &ev->start_mark, &ev->end_mark);
    if (!n) return false;
    n->text = strdup((const char *)ev->data.scalar.value);
    if (!n->text) {
        b->oom = true;
        return false;
    }
    n->scalar = resolve_scalar(ev);
    if (!register_anchor(b, (const char *)ev->data.scalar.anchor, n)) return false;
    return attach(b, n, n->line, n->col);
}

static bool on_collection_start(builder *b, const yaml_event_t *ev, ynode_kind kind) {
    if (b->depth >= YAML_MAX_DEPTH) {
        sw_diag_add(b->diag, b->file, (int)ev->start_mark.line + 1, (int)ev->start_mark.column + 1, NULL, NULL,
                    "YAML nested deeper than %d levels; a sweep spec needs at most 4", YAML_MAX_DEPTH);
        return false;
    }
    ynode *n = new_node(b, kind, &ev->start_mark, &ev->end_mark);
    if (!n) return false;
    const yaml_char_t *anchor_name =
        kind == YNODE_SEQ ? ev->data.sequence_start.anchor : ev->data.mapping_start.anchor;
    char path[sizeof b->stack[0].path];
    child_path(b, path, sizeof path);
    frame *fr = &b->stack[b->depth];
    *fr = (frame){.node = n};
    memcpy(fr->path, path, sizeof path);
    fr->flow = kind == YNODE_SEQ ? ev->data.sequence_start.style == YAML_FLOW_SEQUENCE_STYLE
                                 : ev->data.mapping_start.style == YAML_FLOW_MAPPING_STYLE;
    if (anchor_name && !(fr->anchor = strdup((const char *)anchor_name))) {
        b->oom = true;
        return false;
    }
    b->depth++;
    return true;
}

typedef struct key_ref {
    const char *text;
    size_t pos; /* index of the key in the mapping's items */
} key_ref;

static int key_ref_cmp(const void *pa, const void *pb) {
    const key_ref *a = pa, *b = pb;
    int c = strcmp(a->text, b->text);
    return c ? c : (a->pos > b->pos) - (a->pos < b->pos);
}

/* libyaml accepts duplicate keys; we report each later occurrence and drop it so validation sees the first. */
static bool check_mapping_keys(builder *b, frame *fr) {
    size_t n_pairs = fr->n / 2;
    key_ref *keys = malloc((n_pairs ? n_pairs : 1) * sizeof *keys);
    bool *drop = calloc(n_pairs ? n_pairs : 1, sizeof *drop);
    if (!keys || !drop) {
        free(keys);
        free(drop);
        b->oom = true;
        return false;
    }
    size_t n_keys = 0;
    for (size_t i = 0; i < n_pairs; i++) {
        const ynode *k = fr->items[2 * i];
        if (k->kind != YNODE_SCALAR) {
            sw_diag_add(b->diag, b->file, k->line, k->col, fr->path[0] ? fr->path : NULL, NULL,
                        "a mapping key must be a plain name, not %s", ynode_kind_name(k));
            drop[i] = true;
            continue;
        }
        keys[n_keys++] = (key_ref){k->text, i};
    }
    qsort(keys, n_keys, sizeof *keys, key_ref_cmp);
    for (size_t i = 1, first = 0; i < n_keys; i++) {
        if (strcmp(keys[i].text, keys[first].text) != 0) {
            first = i; /* sorted by (text, position): a run's first entry is the key's first occurrence */
            continue;
        }
        const ynode *k = fr->items[2 * keys[i].pos], *k0 = fr->items[2 * keys[first].pos];
        char path[300];
        format_path(path, sizeof path, "%s%s%s", fr->path, fr->path[0] ? "." : "", k->text);
        sw_diag_add(b->diag, b->file, k->line, k->col, path, k->text,
                    "duplicate key '%s' (first given at line %d); each key may appear once", k->text, k0->line);
        drop[keys[i].pos] = true;
    }
    size_t kept = 0;
    for (size_t i = 0; i < n_pairs; i++) {
        if (drop[i]) continue;
        fr->items[2 * kept] = fr->items[2 * i];
        fr->items[2 * kept + 1] = fr->items[2 * i + 1];
        kept++;
    }
    fr->n = 2 * kept;
    free(keys);
    free(drop);
    return true;
}

static bool on_collection_end(builder *b, const yaml_event_t *ev) {
    frame *fr = &b->stack[--b->depth];
    ynode *n = fr->node;
    if (n->kind == YNODE_MAP && !check_mapping_keys(b, fr)) {
        free(fr->items);
        free(fr->anchor);
        return false;
    }
    n->items = fr->items;
    n->n = n->kind == YNODE_MAP ? fr->n / 2 : fr->n;
    /* A block collection's end mark lies at the next token, past trailing comments: end at its last item. */
    if (fr->flow) n->end = byte_offset(&b->offsets, ev->end_mark.index);
    else if (fr->n > 0) n->end = fr->items[fr->n - 1]->end;
    bool ok = register_anchor(b, fr->anchor, n);
    free(fr->anchor);
    return ok && attach(b, n, n->line, n->col);
}

static bool on_alias(builder *b, const yaml_event_t *ev) {
    const char *name = (const char *)ev->data.alias.anchor;
    ynode *target = find_anchor(b, name);
    int line = (int)ev->start_mark.line + 1, col = (int)ev->start_mark.column + 1;
    if (!target) {
        sw_diag_add(b->diag, b->file, line, col, NULL, name,
                    "alias '*%s' refers to no earlier complete anchor '&%s'", name, name);
        return false;
    }
    return attach(b, target, line, col); /* shared, not copied: the expansion count guards the cost */
}

static bool on_document_start(builder *b, const yaml_event_t *ev) {
    yfile *f = b->out;
    ydoc *docs = realloc(f->docs, (f->n_docs + 1) * sizeof *docs);
    if (!docs) {
        b->oom = true;
        return false;
    }
    f->docs = docs;
    b->doc = &f->docs[f->n_docs++];
    *b->doc = (ydoc){.line = (int)ev->start_mark.line + 1, .col = (int)ev->start_mark.column + 1,
                     .begin = byte_offset(&b->offsets, ev->start_mark.index)};
    b->doc_open = true;
    free_anchors(b); /* anchors do not cross documents */
    return true;
}

static bool on_event(builder *b, const yaml_event_t *ev) {
    switch (ev->type) {
    case YAML_DOCUMENT_START_EVENT: return on_document_start(b, ev);
    case YAML_DOCUMENT_END_EVENT:
        b->doc->end = byte_offset(&b->offsets, ev->end_mark.index);
        b->doc_open = false;
        return true;
    case YAML_SCALAR_EVENT: return on_scalar(b, ev);
    case YAML_SEQUENCE_START_EVENT: return on_collection_start(b, ev, YNODE_SEQ);
    case YAML_MAPPING_START_EVENT: return on_collection_start(b, ev, YNODE_MAP);
    case YAML_SEQUENCE_END_EVENT:
    case YAML_MAPPING_END_EVENT: return on_collection_end(b, ev);
    case YAML_ALIAS_EVENT: return on_alias(b, ev);
    default: return true;
    }
}

/* Line and 1-based column of a byte offset (for reader errors, which libyaml reports by offset only). */
static void position_of_byte(const char *s, size_t off, int *line, int *col) {
    *line = 1;
    *col = 1;
    for (size_t i = 0; i < off; i++) {
        if (s[i] == '\n') {
            (*line)++;
            *col = 1;
        } else if (((unsigned char)s[i] & 0xC0) != 0x80) {
            (*col)++;
        }
    }
}

/* libyaml points at the offending byte, which for a bad continuation byte lies after the character's first byte;
 * the user's editor shows the character, so report where it starts and quote its bytes. */
static void report_encoding_error(builder *b, const yaml_parser_t *p) {
    const unsigned char *s = (const unsigned char *)b->src;
    size_t bad = p->problem_offset < b->src_len ? p->problem_offset : b->src_len, start = bad;
    if (p->problem && strstr(p->problem, "trailing") && start > 0) {
        start--;
        while (start > 0 && (s[start] & 0xC0) == 0x80) start--;
    }
    char value[64] = "";
    for (size_t i = start; i <= bad && i < b->src_len && i < start + 8; i++)
        snprintf(value + strlen(value), sizeof value - strlen(value), "\\x%02X", s[i]);
    int line, col;
    position_of_byte(b->src, start, &line, &col);
    sw_diag_add(b->diag, b->file, line, col, NULL, value[0] ? value : NULL,
                "the file is not valid UTF-8 text: %s at byte %zu (save it as UTF-8)",
                p->problem ? p->problem : "unreadable", start);
}

static void report_parser_error(builder *b, const yaml_parser_t *p) {
    if (p->error == YAML_MEMORY_ERROR) {
        b->oom = true;
        return;
    }
    if (p->error == YAML_READER_ERROR) {
        report_encoding_error(b, p);
        return;
    }
    int line = (int)p->problem_mark.line + 1, col = (int)p->problem_mark.column + 1;
    size_t at = byte_offset(&b->offsets, p->problem_mark.index);
    const char *hint = at < b->src_len && b->src[at] == '\t' ? "; YAML does not allow tabs for indentation: use spaces"
                                                            : "";
    char context[160] = "";
    bool context_elsewhere = p->context_mark.line != p->problem_mark.line ||
                             p->context_mark.column != p->problem_mark.column;
    if (p->context && context_elsewhere)
        snprintf(context, sizeof context, " (%s that starts at line %d, column %d)", p->context,
                 (int)p->context_mark.line + 1, (int)p->context_mark.column + 1);
    else if (p->context)
        snprintf(context, sizeof context, " (%s)", p->context);
    sw_diag_add(b->diag, b->file, line, col, NULL, NULL, "YAML syntax error: %s%s%s",
                p->problem ? p->problem : "unknown problem", context, hint);
}

static void unwind(builder *b) {
    while (b->depth > 0) {
        frame *fr = &b->stack[--b->depth];
        free(fr->items);
        free(fr->anchor);
    }
    free_anchors(b);
    free(b->anchors);
}

bool yfile_parse(const char *text, size_t len, const char *file, sw_diag *diag, yfile *out, bool *oom) {
    *out = (yfile){0};
    *oom = false;
    builder b = {.src = text, .src_len = len, .file = file, .diag = diag, .out = out};
    offset_map_init(&b.offsets, text, len);
    yaml_parser_t parser;
    if (!yaml_parser_initialize(&parser)) {
        *oom = true;
        return false;
    }
    yaml_parser_set_input_string(&parser, (const unsigned char *)text, len);
    yaml_parser_set_encoding(&parser, YAML_UTF8_ENCODING);
    bool ok = true, done = false;
    while (ok && !done) {
        yaml_event_t ev;
        if (!yaml_parser_parse(&parser, &ev)) {
            report_parser_error(&b, &parser);
            ok = false;
            break;
        }
        done = ev.type == YAML_STREAM_END_EVENT;
        ok = on_event(&b, &ev);
        yaml_event_delete(&ev);
    }
    /* A document cut short by an error keeps no half-built root: drop it, keep the complete ones before it. */
    if (!ok && b.doc_open) out->n_docs--;
    unwind(&b);
    yaml_parser_delete(&parser);
    *oom = b.oom;
    return ok && !b.oom;
}

void yfile_free(yfile *f) {
    for (size_t i = 0; i < f->n_arena; i++) {
        free(f->arena[i]->text);
        free(f->arena[i]->items);
        free(f->arena[i]);
    }
    free(f->arena);
    free(f->docs);
    *f = (yfile){0};
}

const ynode *ymap_get(const ynode *map, const char *key) {
    if (!map || map->kind != YNODE_MAP) return NULL;
    for (size_t i = 0; i < map->n; i++)
        if (map->items[2 * i]->kind == YNODE_SCALAR && strcmp(map->items[2 * i]->text, key) == 0)
            return map->items[2 * i + 1];
    return NULL;
}

char *ynode_as_written(const ynode *n, const char *src, size_t src_len, char *buf, size_t size) {
    enum { ELLIPSIS = 3 };
    size_t used = 0, end = n->end < src_len ? n->end : src_len;
    bool space = false, truncated = false;
    size_t i = n->begin;
    for (; i < end; i++) {
        char c = src[i];
        if (c == '\n' || c == '\r' || c == '\t' || c == ' ') {
            space = used > 0;
            continue;
        }
        if (used + (space ? 2 : 1) + ELLIPSIS + 1 > size) {
            truncated = true;
            break;
        }
        if (space) buf[used++] = ' ';
        space = false;
        buf[used++] = c;
    }
    if (truncated) {
        if (((unsigned char)src[i] & 0xC0) == 0x80) { /* never split a UTF-8 character: drop its first bytes */
            while (used > 0 && ((unsigned char)buf[used - 1] & 0xC0) == 0x80) used--;
            if (used > 0) used--;
        }
        memcpy(buf + used, "...", ELLIPSIS);
        used += ELLIPSIS;
    }
    if (size > 0) buf[used < size ? used : size - 1] = '\0';
    return buf;
}
