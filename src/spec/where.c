/* where.c: the `where:` filter of a sweep, a small expression language over the experiment's parameters.
 *
 *   expr    := or
 *   or      := and ('or' and)*
 *   and     := not ('and' not)*
 *   not     := 'not' not | compare
 *   compare := sum (('<' | '<=' | '>' | '>=' | '==' | '!=') sum)?
 *   sum     := product (('+' | '-') product)*
 *   product := unary (('*' | '/' | '%') unary)*
 *   unary   := '-' unary | atom
 *   atom    := NUMBER | PARAMETER | 'text' | "text" | FUNCTION '(' expr (',' expr)* ')' | '(' expr ')'
 *   FUNCTION: abs(x), min(x, y), max(x, y), floor(x), sqrt(x), log(x), exp(x)
 *
 * Integer and real parameters are numbers (doubles), a choice parameter is its name as text, which can only be
 * compared with == or != to a quoted text. Types are checked when the spec is loaded, so evaluation never fails:
 * arithmetic follows IEEE (x/0 is inf, a comparison with NaN is false). It is parsed into a flat array of nodes
 * with a nesting limit, so hostile input cannot exhaust the stack; there are no loops, assignments or calls out.
 */
#include <ctype.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "spec_internal.h"

enum { WHERE_MAX_DEPTH = 48, WHERE_MAX_NODES = 4096 };

typedef enum wop {
    W_NUM, W_PARAM, W_TEXT, W_NEG, W_NOT, W_ADD, W_SUB, W_MUL, W_DIV, W_MOD,
    W_LT, W_LE, W_GT, W_GE, W_EQ, W_NE, W_AND, W_OR,
    W_ABS, W_MIN, W_MAX, W_FLOOR, W_SQRT, W_LOG, W_EXP,
} wop;

typedef enum wtype { T_NUM, T_TEXT, T_BOOL } wtype;

typedef struct wnode {
    wop op;
    wtype type;
    int a, b;       /* operands (node indices), -1 when unused */
    double num;     /* W_NUM */
    int param;      /* W_PARAM */
    char *text;     /* W_TEXT, owned */
    size_t pos;     /* byte offset in the expression, for messages */
} wnode;

struct sw_where {
    wnode *nodes;
    size_t n;
    int root;
};

typedef struct parser {
    const char *s;
    size_t pos;
    const sw_experiment *e;
    sw_where *w;
    int depth;
    bool failed, oom;
    size_t err_pos;
    char err[400];
} parser;

static const struct {
    const char *name;
    wop op;
    int args;
} functions[] = {{"abs", W_ABS, 1},   {"min", W_MIN, 2},   {"max", W_MAX, 2}, {"floor", W_FLOOR, 1},
                 {"sqrt", W_SQRT, 1}, {"log", W_LOG, 1},   {"exp", W_EXP, 1}};

static void error(parser *p, size_t pos, const char *fmt, ...) __attribute__((format(printf, 3, 4)));
static void error(parser *p, size_t pos, const char *fmt, ...) {
    if (p->failed) return; /* the first problem is the one to fix */
    p->failed = true;
    p->err_pos = pos;
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(p->err, sizeof p->err, fmt, ap);
    va_end(ap);
}

static int add(parser *p, wop op, wtype type, int a, int b, size_t pos) {
    if (p->failed) return -1;
    if (p->w->n >= WHERE_MAX_NODES) {
        error(p, pos, "the expression is too long (more than %d terms)", WHERE_MAX_NODES);
        return -1;
    }
    if (p->w->n % 64 == 0) {
        wnode *grown = realloc(p->w->nodes, (p->w->n + 64) * sizeof *grown);
        if (!grown) {
            p->oom = p->failed = true;
            return -1;
        }
        p->w->nodes = grown;
    }
    p->w->nodes[p->w->n] = (wnode){.op = op, .type = type, .a = a, .b = b, .param = -1, .pos = pos};
    return (int)p->w->n++;
}

static void skip_space(parser *p) {
    while (isspace((unsigned char)p->s[p->pos])) p->pos++;
}

/* Consumes `tok` (a word only when not followed by a name character). */
static bool accept(parser *p, const char *tok) {
    skip_space(p);
    size_t n = strlen(tok);
    if (strncmp(p->s + p->pos, tok, n) != 0) return false;
    if (isalpha((unsigned char)tok[0]) && (isalnum((unsigned char)p->s[p->pos + n]) || p->s[p->pos + n] == '_'))
        return false;
    p->pos += n;
    return true;
}

static const char *type_name(wtype t) { return t == T_NUM ? "a number" : t == T_TEXT ? "a text" : "a condition"; }

static bool want(parser *p, int node, wtype t, const char *what) {
    if (p->failed || node < 0) return false;
    const wnode *n = &p->w->nodes[node];
    if (n->type == t) return true;
    error(p, n->pos, "%s needs %s here, but this is %s", what, type_name(t), type_name(n->type));
    return false;
}

static int parse_or(parser *p);

static int parse_number(parser *p) {
    char *end;
    size_t at = p->pos;
    double x = strtod(p->s + at, &end);
    if (end == p->s + at || !isfinite(x)) {
        error(p, at, "expected a number");
        return -1;
    }
    p->pos = (size_t)(end - p->s);
    int k = add(p, W_NUM, T_NUM, -1, -1, at);
    if (k >= 0) p->w->nodes[k].num = x;
    return k;
}

static int parse_text(parser *p) {
    size_t at = p->pos;
    char quote = p->s[p->pos++];
    const char *end = strchr(p->s + p->pos, quote);
    if (!end) {
        error(p, at, "unterminated text: a closing %c is missing", quote);
        return -1;
    }
    int k = add(p, W_TEXT, T_TEXT, -1, -1, at);
    if (k < 0) return -1;
    size_t len = (size_t)(end - (p->s + p->pos));
    p->w->nodes[k].text = strndup(p->s + p->pos, len);
    if (!p->w->nodes[k].text) p->oom = p->failed = true;
    p->pos += len + 1;
    return k;
}

static int parse_call(parser *p, size_t f, size_t at) {
    int args[2] = {-1, -1};
    for (int i = 0; i < functions[f].args; i++) {
        if (i > 0 && !accept(p, ",")) {
            error(p, p->pos, "%s() takes %d arguments: expected ','", functions[f].name, functions[f].args);
            return -1;
        }
        args[i] = parse_or(p);
        if (!want(p, args[i], T_NUM, functions[f].name)) return -1;
    }
    if (!accept(p, ")")) {
        error(p, p->pos, "expected ')' to close %s(", functions[f].name);
        return -1;
    }
    return add(p, functions[f].op, T_NUM, args[0], args[1], at);
}

static int parse_name(parser *p) {
    size_t at = p->pos, n = 0;
    while (isalnum((unsigned char)p->s[at + n]) || p->s[at + n] == '_') n++;
    char name[80];
    snprintf(name, sizeof name, "%.*s", (int)(n < 79 ? n : 79), p->s + at);
    p->pos += n;
    for (size_t f = 0; f < sizeof functions / sizeof functions[0]; f++)
        if (strcmp(name, functions[f].name) == 0 && accept(p, "(")) return parse_call(p, f, at);
    int idx = sw_param_index(p->e, name);
    if (idx < 0) {
        const char *names[128];
        size_t k = 0;
        for (size_t i = 0; i < p->e->n_params && k < 128; i++) names[k++] = p->e->params[i].name;
        char hint[100], list[600];
        error(p, at, "unknown parameter '%s' of experiment '%s'%s; its parameters are %s", name, p->e->name,
              spec_did_you_mean(name, names, k, hint, sizeof hint), spec_join(names, k, list, sizeof list));
        return -1;
    }
    const sw_param *par = &p->e->params[idx];
    if (par->type == SW_REAL_LIST) {
        error(p, at, "'%s' is a list parameter: where: can only use numbers and choices", name);
        return -1;
    }
    int k = add(p, W_PARAM, par->type == SW_CHOICE ? T_TEXT : T_NUM, -1, -1, at);
    if (k >= 0) p->w->nodes[k].param = idx;
    return k;
}

static int parse_atom(parser *p) {
    skip_space(p);
    char ch = p->s[p->pos];
    if (accept(p, "(")) {
        int k = parse_or(p);
        if (!p->failed && !accept(p, ")")) error(p, p->pos, "expected ')'");
        return k;
    }
    if (ch == '\'' || ch == '"') return parse_text(p);
    if (isdigit((unsigned char)ch) || ch == '.') return parse_number(p);
    if (isalpha((unsigned char)ch) || ch == '_') return parse_name(p);
    if (ch == '\0') error(p, p->pos, "the expression ends where a value was expected");
    else error(p, p->pos, "unexpected '%c': expected a number, a parameter, a 'text' or '('", ch);
    return -1;
}

static int parse_unary(parser *p) {
    size_t at = (skip_space(p), p->pos);
    if (++p->depth > WHERE_MAX_DEPTH) {
        error(p, at, "the expression nests deeper than %d levels", WHERE_MAX_DEPTH);
        return -1;
    }
    int k;
    if (accept(p, "-")) {
        int a = parse_unary(p);
        k = want(p, a, T_NUM, "'-'") ? add(p, W_NEG, T_NUM, a, -1, at) : -1;
    } else {
        k = parse_atom(p);
    }
    p->depth--;
    return k;
}

/* A left-associative chain of binary operators over `next`, all taking and giving `operand`/`result` types. */
typedef struct binop {
    const char *tok;
    wop op;
} binop;

static int parse_chain(parser *p, int (*next)(parser *), const binop *ops, size_t n_ops, wtype operand,
                       wtype result) {
    int left = next(p);
    for (;;) {
        size_t i = 0;
        skip_space(p);
        size_t at = p->pos;
        while (i < n_ops && !accept(p, ops[i].tok)) i++;
        if (i == n_ops || p->failed) return left;
        int right = next(p);
        char what[40];
        snprintf(what, sizeof what, "'%s'", ops[i].tok);
        if (!want(p, left, operand, what) || !want(p, right, operand, what)) return -1;
        left = add(p, ops[i].op, result, left, right, at);
    }
}

static int parse_product(parser *p) {
    static const binop ops[] = {{"*", W_MUL}, {"/", W_DIV}, {"%", W_MOD}};
    return parse_chain(p, parse_unary, ops, 3, T_NUM, T_NUM);
}

static int parse_sum(parser *p) {
    static const binop ops[] = {{"+", W_ADD}, {"-", W_SUB}};
    return parse_chain(p, parse_product, ops, 2, T_NUM, T_NUM);
}

/* Text may be compared with == and != only, and to a quoted text naming one of the parameter's choices. */
static void check_choice_literal(parser *p, int a, int b) {
    const wnode *x = &p->w->nodes[a], *y = &p->w->nodes[b];
    if (x->op != W_PARAM) {
        const wnode *t = x;
        x = y;
        y = t;
    }
    if (x->op != W_PARAM || y->op != W_TEXT) return;
    const sw_param *par = &p->e->params[x->param];
    size_t n = 0;
    while (par->choices[n]) n++;
    for (size_t i = 0; i < n; i++)
        if (strcmp(par->choices[i], y->text) == 0) return;
    char hint[100], list[600];
    error(p, y->pos, "'%s' is not a choice of '%s'%s: it is one of %s", y->text, par->name,
          spec_did_you_mean(y->text, par->choices, n, hint, sizeof hint),
          spec_join(par->choices, n, list, sizeof list));
}

static int parse_compare(parser *p) {
    static const binop ops[] = {{"<=", W_LE}, {">=", W_GE}, {"==", W_EQ}, {"!=", W_NE}, {"<", W_LT}, {">", W_GT}};
    int left = parse_sum(p);
    skip_space(p);
    size_t at = p->pos, i = 0;
    while (i < 6 && !accept(p, ops[i].tok)) i++;
    if (i == 6 || p->failed) return left;
    int right = parse_sum(p);
    if (p->failed) return -1;
    const wnode *l = &p->w->nodes[left], *r = &p->w->nodes[right];
    bool text = l->type == T_TEXT || r->type == T_TEXT;
    if (text && (ops[i].op == W_EQ || ops[i].op == W_NE)) {
        if (!want(p, left, T_TEXT, "comparing with a text") || !want(p, right, T_TEXT, "comparing with a text"))
            return -1;
        check_choice_literal(p, left, right);
    } else {
        char what[40];
        snprintf(what, sizeof what, "'%s'", ops[i].tok);
        if (!want(p, left, T_NUM, what) || !want(p, right, T_NUM, what)) return -1;
    }
    return add(p, ops[i].op, T_BOOL, left, right, at);
}

static int parse_not(parser *p) {
    size_t at = (skip_space(p), p->pos);
    if (!accept(p, "not")) return parse_compare(p);
    if (++p->depth > WHERE_MAX_DEPTH) {
        error(p, at, "the expression nests deeper than %d levels", WHERE_MAX_DEPTH);
        return -1;
    }
    int a = parse_not(p);
    p->depth--;
    return want(p, a, T_BOOL, "'not'") ? add(p, W_NOT, T_BOOL, a, -1, at) : -1;
}

static int parse_and(parser *p) {
    static const binop ops[] = {{"and", W_AND}};
    return parse_chain(p, parse_not, ops, 1, T_BOOL, T_BOOL);
}

static int parse_or(parser *p) {
    static const binop ops[] = {{"or", W_OR}};
    if (++p->depth > WHERE_MAX_DEPTH) {
        error(p, p->pos, "the expression nests deeper than %d levels", WHERE_MAX_DEPTH);
        return -1;
    }
    int k = parse_chain(p, parse_and, ops, 1, T_BOOL, T_BOOL);
    p->depth--;
    return k;
}

void spec_where_free(sw_where **w) {
    if (!w || !*w) return;
    for (size_t i = 0; i < (*w)->n; i++) free((*w)->nodes[i].text);
    free((*w)->nodes);
    free(*w);
    *w = NULL;
}

sw_where *spec_where_parse(const char *text, const sw_experiment *e, size_t *err_pos, char *err, size_t err_size,
                           bool *oom) {
    sw_where *w = calloc(1, sizeof *w);
    if (!w) {
        *oom = true;
        return NULL;
    }
    parser p = {.s = text, .e = e, .w = w};
    w->root = parse_or(&p);
    skip_space(&p);
    if (!p.failed && text[p.pos] != '\0') error(&p, p.pos, "unexpected text after the end of the expression");
    if (!p.failed && w->root >= 0 && w->nodes[w->root].type != T_BOOL)
        error(&p, 0, "the expression is %s, not a condition: compare it (e.g. i <= j)",
              type_name(w->nodes[w->root].type));
    if (p.failed || w->root < 0) {
        *oom |= p.oom;
        *err_pos = p.err_pos;
        snprintf(err, err_size, "%s", p.err[0] ? p.err : "invalid expression");
        spec_where_free(&w);
        return NULL;
    }
    return w;
}

/* ---- evaluation ---- */

static const char *eval_text(const sw_where *w, int k, const sw_experiment *e, const sw_value *param) {
    const wnode *n = &w->nodes[k];
    return n->op == W_TEXT ? n->text : e->params[n->param].choices[param[n->param].integer];
}

static double eval(const sw_where *w, int k, const sw_experiment *e, const sw_value *param) {
    const wnode *n = &w->nodes[k];
    if (n->op == W_NUM) return n->num;
    if (n->op == W_PARAM)
        return e->params[n->param].type == SW_INT ? (double)param[n->param].integer : param[n->param].real;
    if ((n->op == W_EQ || n->op == W_NE) && w->nodes[n->a].type == T_TEXT)
        return (strcmp(eval_text(w, n->a, e, param), eval_text(w, n->b, e, param)) == 0) == (n->op == W_EQ);
    if (n->op == W_AND) return eval(w, n->a, e, param) != 0 && eval(w, n->b, e, param) != 0;
    if (n->op == W_OR) return eval(w, n->a, e, param) != 0 || eval(w, n->b, e, param) != 0;
    double a = eval(w, n->a, e, param), b = n->b >= 0 ? eval(w, n->b, e, param) : 0;
    switch (n->op) {
    case W_NEG: return -a;
    case W_NOT: return a == 0;
    case W_ADD: return a + b;
    case W_SUB: return a - b;
    case W_MUL: return a * b;
    case W_DIV: return a / b;
    case W_MOD: return fmod(a, b);
    case W_LT: return a < b;
    case W_LE: return a <= b;
    case W_GT: return a > b;
    case W_GE: return a >= b;
    case W_EQ: return a == b;
    case W_NE: return a != b;
    case W_ABS: return fabs(a);
    case W_MIN: return fmin(a, b);
    case W_MAX: return fmax(a, b);
    case W_FLOOR: return floor(a);
    case W_SQRT: return sqrt(a);
    case W_LOG: return log(a);
    case W_EXP: return exp(a);
    default: return 0;
    }
}

bool sw_sweep_task_included(const sw_sweep *s, const sw_value *param) {
    return !s->where || eval(s->where, s->where->root, s->exp, param) != 0;
}

/* The parsed form (not the spelling) enters the sweep's hash: spaces and redundant parentheses do not change it. */
static void hash_node(sw_hash *h, const sw_where *w, int k, const sw_experiment *e) {
    if (k < 0) return;
    const wnode *n = &w->nodes[k];
    sw_hash_u64(h, (uint64_t)n->op);
    if (n->op == W_NUM) sw_hash_double(h, n->num);
    if (n->op == W_PARAM) sw_hash_str(h, e->params[n->param].name);
    if (n->op == W_TEXT) sw_hash_str(h, n->text);
    hash_node(h, w, n->a, e);
    hash_node(h, w, n->b, e);
}

void spec_where_hash(sw_hash *h, const sw_where *w, const sw_experiment *e) {
    sw_hash_str(h, "where");
    hash_node(h, w, w->root, e);
}
