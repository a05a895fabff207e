/* yaml_doc.h: YAML text -> a small tree of nodes that remember where they were written (private to the spec layer).
 *
 * libyaml's event parser does the scanning; this module builds the tree itself so that it can guard against hostile
 * input (alias bombs, deep nesting, duplicate keys, which libyaml accepts) and keep byte positions for quoting the
 * text as written. Plain scalars are resolved with the YAML 1.2 core schema (`1e6` is a float, `yes` is a string).
 */
#ifndef SW_SPEC_YAML_DOC_H
#define SW_SPEC_YAML_DOC_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "mpisweep/diag.h"

typedef enum ynode_kind { YNODE_SCALAR, YNODE_SEQ, YNODE_MAP } ynode_kind;

/* What a scalar means under the core schema (quoted scalars and !!str are always strings). */
typedef enum yscalar_kind { YS_STRING, YS_NULL, YS_BOOL, YS_INT, YS_FLOAT } yscalar_kind;

typedef struct ynode {
    ynode_kind kind;
    int line, col;         /* 1-based position of the node's first character */
    size_t begin, end;     /* byte offsets of the node in the source: its text as written */
    /* scalars */
    char *text;            /* the scalar's value after unquoting/unescaping, NUL-terminated */
    yscalar_kind scalar;
    /* sequences: items[0..n); mappings: items[2i] is a key, items[2i+1] its value */
    size_t n;
    struct ynode **items;
    uint64_t expanded;     /* nodes in this subtree with every alias expanded (the alias-bomb guard) */
} ynode;

/* One YAML document of a file. */
typedef struct ydoc {
    ynode *root;           /* NULL for an empty document */
    int line, col;         /* where the document starts */
    size_t begin, end;     /* byte range of the document in the source (for provenance) */
} ydoc;

/* Every document of one source text; owns all nodes (aliases share nodes, so ownership is by this arena). */
typedef struct yfile {
    ydoc *docs;
    size_t n_docs;
    ynode **arena;
    size_t n_arena, cap_arena;
} yfile;

/* Guards against input that is syntactically fine but hostile. */
enum {
    YAML_MAX_DEPTH = 64,            /* nesting of collections: a sweep spec needs 4 */
    YAML_MAX_EXPANDED = 1000000,    /* nodes per document after alias expansion: stops "billion laughs" */
    YAML_MAX_NODES = 1000000,       /* nodes per file as written */
};

/* Parses text (UTF-8) into documents. Problems (syntax errors with libyaml's text and position, invalid UTF-8,
 * duplicate keys, non-scalar keys, undefined aliases, too deep or too large documents) are added to diag under
 * `file`. Returns false when the file could not be parsed to the end (its earlier complete documents are kept in
 * *out), true otherwise. Duplicate keys do not stop parsing. *out must be freed with yfile_free in all cases.
 * Returns false with *oom set when memory ran out. */
bool yfile_parse(const char *text, size_t len, const char *file, sw_diag *diag, yfile *out, bool *oom);

void yfile_free(yfile *f);

/* Value of key in a mapping node, or NULL. */
const ynode *ymap_get(const ynode *map, const char *key);

/* The node's text as written in source (collapsed whitespace, truncated with "..." to fit) into buf. Returns buf. */
char *ynode_as_written(const ynode *n, const char *src, size_t src_len, char *buf, size_t size);

/* A number read from a scalar. */
typedef struct ynumber {
    bool is_uint64;        /* a non-negative integer that fits in 64 unsigned bits, read exactly ... */
    uint64_t uinteger;     /* ... into this (seeds are full-width) */
    bool is_int;           /* written as an integer (decimal, 0x hex or 0o octal) */
    bool int_overflow;     /* an integer outside the int64 range (value holds its rounded double) */
    int64_t integer;       /* when is_int && !int_overflow */
    double value;          /* the number as a double (for integers: correctly rounded) */
} ynumber;

/* True when n is a scalar the core schema reads as a number; fills *out. */
bool ynode_number(const ynode *n, ynumber *out);

/* "a string", "a sequence", "a mapping", "null", "a boolean", "an integer", "a number": for messages. */
const char *ynode_kind_name(const ynode *n);

#endif
