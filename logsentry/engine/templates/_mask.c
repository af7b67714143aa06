/* The C twin of tokens.py's masking: `_MASK_RE.sub(_replace, line)` and the token split after it.
 *
 * tokens.py is the reference; tests/test_mask_equivalence.py holds this file to it (hypothesis, the golden
 * samples, and lines of real journals). Each kind of tokens.py's one big regex is a function here that returns
 * where the regex's match would end (or -1), found in the same order Python's backtracking tries the choices:
 * greedy quantifiers longest first, alternatives left to right, and a lookahead checked at each candidate end.
 * Character classes are Python's for str patterns: \d is any Unicode decimal digit, \w any alphanumeric
 * character or '_', \s any Unicode whitespace, \b the edge of a \w run; [A-Za-z0-9] and friends are ASCII.
 *
 * Every function works on one range [lo, hi) of a UCS4 copy of the line: a quoted value's inside is masked
 * as a string of its own (tokens._mask_inner), so lookarounds never see past the range. The copy holds PAD NOCH
 * on each side of its range (padded()), so at() needs no bounds check: every read of a matcher stops at the first
 * character outside the range, or reads a few fixed places past it (m_date: 3, m_mac: 2, skip_plain: 3), all
 * within PAD. A quoted value's inside repeats often (a user agent): mask_inner keeps its masked text.
 */

#define PY_SSIZE_T_CLEAN
#include <Python.h>
#include <stdint.h>
#include <string.h>
#include <wchar.h>
#if defined(__SSE2__)
#include <emmintrin.h>
#endif

#include "mask_api.h"

_Static_assert(sizeof(wchar_t) == sizeof(Py_UCS4), "wmemchr searches the UCS4 copies");

#define NOCH ((Py_UCS4)0xFFFFFFFFu) /* outside the range: belongs to no class */
#define PAD 32                        /* NOCH before and after a range */

typedef struct {
    const Py_UCS4 *s;
    Py_ssize_t lo, hi;
} Ctx;

typedef struct {
    Py_UCS4 *buf;
    Py_ssize_t len, cap;
} Out;

static inline Py_UCS4 at(const Ctx *c, Py_ssize_t i) { return c->s[i]; } /* NOCH outside [lo, hi): PAD */

/* s[0:n] copied between PAD NOCH on each side, into `local` (LOCAL characters) when it fits, else a new buffer;
 * its start (base + PAD) in *out. PyMem_Free(base) unless it is local. */
#define LOCAL 160
static Py_UCS4 *padded(const Py_UCS4 *s, Py_ssize_t n, Py_UCS4 **out, Py_UCS4 *local) {
    Py_UCS4 *base = n + 2 * PAD <= LOCAL ? local : PyMem_Malloc(sizeof(Py_UCS4) * (size_t)(n + 2 * PAD));
    if (base == NULL) {
        PyErr_NoMemory();
        return NULL;
    }
    for (int k = 0; k < PAD; k++) base[k] = base[PAD + n + k] = NOCH;
    memcpy(base + PAD, s, sizeof(Py_UCS4) * (size_t)n);
    *out = base + PAD;
    return base;
}

/* --- character classes ------------------------------------------------------------------------------- */

enum { C_DIGIT = 1, C_UPPER = 2, C_LOWER = 4, C_HEX = 8, C_SPACE = 16, C_START = 32, C_GLUE = 64, C_UNIT = 128 };
static unsigned char ascii_class[128];

static void init_classes(void) {
    for (int ch = 0; ch < 128; ch++) {
        unsigned char k = 0;
        if (ch >= '0' && ch <= '9') k |= C_DIGIT | C_HEX;
        if (ch >= 'A' && ch <= 'Z') k |= C_UPPER;
        if (ch >= 'a' && ch <= 'z') k |= C_LOWER;
        if ((ch >= 'a' && ch <= 'f') || (ch >= 'A' && ch <= 'F')) k |= C_HEX;
        if (ch == ' ' || (ch >= 9 && ch <= 13) || (ch >= 28 && ch <= 31)) k |= C_SPACE;
        /* a character some kind can start with (match_at) */
        if ((k & (C_DIGIT | C_UPPER | C_LOWER)) || (ch && strchr("_:@-.+[/~\"'\\", ch))) k |= C_START;
        /* a character that can follow a word's letters and digits inside a match of a kind before HEX */
        if (ch && strchr("+.-:_@\\", ch)) k |= C_GLUE;
        /* a duration unit's first character */
        if (ch && strchr("nusmhd", ch)) k |= C_UNIT;
        ascii_class[ch] = k;
    }
}

static inline int a_alnum(Py_UCS4 ch) { return ch < 128 && (ascii_class[ch] & (C_DIGIT | C_UPPER | C_LOWER)); }
static inline int a_alpha(Py_UCS4 ch) { return ch < 128 && (ascii_class[ch] & (C_UPPER | C_LOWER)); }
static inline int a_upper(Py_UCS4 ch) { return ch < 128 && (ascii_class[ch] & C_UPPER); }
static inline int a_hex(Py_UCS4 ch) { return ch < 128 && (ascii_class[ch] & C_HEX); }
static inline int a_hexletter(Py_UCS4 ch) { return a_hex(ch) && !(ascii_class[ch] & C_DIGIT); }
/* \d */
static inline int u_digit(Py_UCS4 ch) {
    if (ch < 128) return ascii_class[ch] & C_DIGIT;
    return ch != NOCH && Py_UNICODE_ISDECIMAL(ch);
}
/* \w */
static inline int u_word(Py_UCS4 ch) {
    if (ch < 128) return (ascii_class[ch] & (C_DIGIT | C_UPPER | C_LOWER)) || ch == '_';
    return ch != NOCH && Py_UNICODE_ISALNUM(ch);
}
/* \s, str.split(), str.strip() */
static inline int u_space(Py_UCS4 ch) {
    if (ch < 128) return ascii_class[ch] & C_SPACE;
    return ch != NOCH && Py_UNICODE_ISSPACE(ch);
}
/* [^\s"'<>] */
static inline int url_char(Py_UCS4 ch) {
    return ch != NOCH && !u_space(ch) && ch != '"' && ch != '\'' && ch != '<' && ch != '>';
}
/* [\w.@%+~,:=$-]: a path segment's characters */
static inline int path_char(Py_UCS4 ch) {
    return u_word(ch) || ch == '.' || ch == '@' || ch == '%' || ch == '+' || ch == '~' || ch == ',' || ch == ':' ||
           ch == '=' || ch == '$' || ch == '-';
}
/* [A-Za-z0-9-]: a host name label's characters */
static inline int label_char(Py_UCS4 ch) { return a_alnum(ch) || ch == '-'; }

/* outside the range or \s */
static inline int blank(Py_UCS4 ch) { return ch == NOCH || u_space(ch); }

static inline int boundary(const Ctx *c, Py_ssize_t i) { return u_word(at(c, i - 1)) != u_word(at(c, i)); }

static int lit(const Ctx *c, Py_ssize_t i, const char *word) {
    for (; *word; word++, i++)
        if (at(c, i) != (Py_UCS4)(unsigned char)*word) return 0;
    return 1;
}

static Py_ssize_t digits(const Ctx *c, Py_ssize_t i) { /* length of the \d run at i */
    Py_ssize_t n = 0;
    while (u_digit(at(c, i + n))) n++;
    return n;
}

static Py_ssize_t hexes(const Ctx *c, Py_ssize_t i) {
    Py_ssize_t n = 0;
    while (a_hex(at(c, i + n))) n++;
    return n;
}

static int ndigits(const Ctx *c, Py_ssize_t i, int n) {
    for (int k = 0; k < n; k++)
        if (!u_digit(at(c, i + k))) return 0;
    return 1;
}

/* --- the kinds, in the regex's order ----------------------------------------------------------------- */

/* Memo of the last run computed by kinds that start with a run of one class: every start inside the run
 * ends where it ends, so a line of many short words costs one pass. */
typedef struct {
    Py_ssize_t unit_from, unit_end, unit_match, email_from, email_end;
    Py_ssize_t blank_at; /* the first blank (\s or the range's end) at or after the last start tried */
    unsigned seen;       /* S_ bits of the characters from that start up to blank_at (seen_upto) */
} Memo;

/* A kind whose every match holds one of these characters is tried only where the characters from its start up
 * to the next blank have it: no match of a kind that needs one holds whitespace, but for TS's [T ] after a date
 * that holds its '-' before it (GLOG's lookahead goes past a space: it is tried without this test). So a start
 * whose word has no '@' is no EMAIL: "5.0" is tried as UNIT, IP, HEX, XNUM, DUR and NUM only. */
enum { S_AT = 1, S_SLASH = 2, S_BACKSLASH = 4, S_COLON = 8, S_DOT = 16, S_DASH = 32, S_BLANK = 64 };
static unsigned char seen_class[128]; /* the S_ bit of each ASCII character (S_BLANK: \s), 0 for the others */

static void init_seen(void) {
    seen_class['@'] = S_AT;
    seen_class['/'] = S_SLASH;
    seen_class['\\'] = S_BACKSLASH;
    seen_class[':'] = S_COLON;
    seen_class['.'] = S_DOT;
    seen_class['-'] = S_DASH;
    for (int ch = 0; ch < 128; ch++)
        if (ascii_class[ch] & C_SPACE) seen_class[ch] = S_BLANK;
}

/* the S_ bits of the characters from p up to the next blank, memoised: starts are tried left to right, and a
 * later start before the same blank sees a subset of what the memo's start saw (a superset is a safe filter) */
static unsigned seen_upto(const Py_UCS4 *s, Py_ssize_t p, Memo *memo) {
    if (p < memo->blank_at) return memo->seen;
    unsigned seen = 0;
    for (;; p++) {
        Py_UCS4 ch = s[p];
        if (ch < 128) {
            unsigned bits = seen_class[ch];
            if (bits & S_BLANK) break;
            seen |= bits;
        } else if (blank(ch)) {
            break;
        }
    }
    memo->blank_at = p;
    return memo->seen = seen;
}

/* GLOG: [IWEF](?:[0-9]{2}){0,2}(?:0[1-9]|1[0-2])(?:0[1-9]|[12][0-9]|3[01])(?= [0-9]{2}:[0-9]{2}:[0-9]{2}): glog's
 * (and CockroachDB's, yymmdd) level letter glued to the date (tokens._GLOG) */
static inline int a_digit(Py_UCS4 ch) { return ch >= '0' && ch <= '9'; }

static Py_ssize_t m_glog(const Ctx *c, Py_ssize_t p) {
    Py_UCS4 ch = at(c, p);
    if (ch != 'I' && ch != 'W' && ch != 'E' && ch != 'F') return -1;
    Py_ssize_t n = 0;
    while (a_digit(at(c, p + 1 + n))) n++;
    if (n != 4 && n != 6 && n != 8) return -1;
    Py_ssize_t md = p + 1 + n - 4, e = p + 1 + n;
    int month = (int)(at(c, md) - '0') * 10 + (int)(at(c, md + 1) - '0');
    int day = (int)(at(c, md + 2) - '0') * 10 + (int)(at(c, md + 3) - '0');
    if (month < 1 || month > 12 || day < 1 || day > 31) return -1;
    if (at(c, e) != ' ') return -1;
    for (int k = 0; k < 8; k++) {
        Py_UCS4 t = at(c, e + 1 + k);
        if (k == 2 || k == 5 ? t != ':' : !a_digit(t)) return -1;
    }
    return e;
}

/* URL: \b[A-Za-z][A-Za-z0-9+.-]{1,15}://[^\s"'<>]+ */
static Py_ssize_t m_url(const Ctx *c, Py_ssize_t p) {
    if (!a_alpha(at(c, p)) || u_word(at(c, p - 1))) return -1;
    Py_ssize_t r = 0;
    for (Py_UCS4 ch; (ch = at(c, p + 1 + r)), a_alnum(ch) || ch == '+' || ch == '.' || ch == '-';) {
        r++;
        if (r > 15) return -1;
    }
    if (r < 1 || !lit(c, p + 1 + r, "://")) return -1;
    Py_ssize_t i = p + 1 + r + 3, e = i;
    while (url_char(at(c, e))) e++;
    return e > i ? e : -1;
}

static const char *const UNIT_SUFFIXES[] = {"service", "socket", "timer", "mount", "automount", "scope", "slice",
                                            "target",  "path",   "swap",  "device", NULL};

static inline int unit_run_char(Py_UCS4 ch) { return u_word(ch) || ch == ':' || ch == '@' || ch == '-'; }

/* The length of the unit name's piece at p: 1 for a [\w:@-], 4 for systemd's escape \xNN (`app-gnome-xdg\x2duser
 * \x2ddirs-1234.scope`: unit_name_escape()), 0 for none */
static inline Py_ssize_t unit_piece(const Ctx *c, Py_ssize_t p) {
    Py_UCS4 ch = at(c, p);
    if (unit_run_char(ch)) return 1;
    return ch == '\\' && at(c, p + 1) == 'x' && a_hex(at(c, p + 2)) && a_hex(at(c, p + 3)) ? 4 : 0;
}

/* UNIT: (?:[\w:@-]|\\x[0-9A-Fa-f]{2})+(?<=[A-Za-z0-9])\.(?:service|...)(?![\w.-]), after the run that ends at e */
static Py_ssize_t unit_after(const Ctx *c, Py_ssize_t e) {
    if (!a_alnum(at(c, e - 1)) || at(c, e) != '.') return -1;
    Py_UCS4 first = at(c, e + 1);
    if (first != 's' && first != 't' && first != 'm' && first != 'a' && first != 'p' && first != 'd') return -1;
    for (const char *const *suffix = UNIT_SUFFIXES; *suffix; suffix++) {
        if ((Py_UCS4)(*suffix)[0] == first && lit(c, e + 1, *suffix)) {
            Py_ssize_t end = e + 1 + (Py_ssize_t)strlen(*suffix);
            Py_UCS4 next = at(c, end);
            if (!(u_word(next) || next == '.' || next == '-')) return end;
        }
    }
    return -1;
}

/* UNIT at p: every start inside one run of pieces ends where it ends (a start may fall inside an escape only at its
 * 'x', whose "xNN" are word characters), so the memo keeps the run and its answer */
static Py_ssize_t m_unit(const Ctx *c, Py_ssize_t p, Memo *memo) {
    if (!unit_piece(c, p)) return -1;
    if (p >= memo->unit_from && p < memo->unit_end) return memo->unit_match;
    Py_ssize_t e = p, step;
    while ((step = unit_piece(c, e)) > 0) e += step;
    memo->unit_from = p;
    memo->unit_end = e;
    return memo->unit_match = unit_after(c, e);
}

static inline int email_local_char(Py_UCS4 ch) { return u_word(ch) || ch == '.' || ch == '+' || ch == '-'; }

/* EMAIL: \b[\w.+-]+@[A-Za-z0-9-]+(?:\.[A-Za-z0-9-]+)*\.[A-Za-z]{2,}\b
 * Labels are maximal runs (a shorter one would leave a label character where '.' is needed), so the only
 * choice is how many labels the (...)* takes: most first, and the top-level part is the next label's letters. */
static Py_ssize_t m_email(const Ctx *c, Py_ssize_t p, Memo *memo) {
    if (!email_local_char(at(c, p)) || !boundary(c, p)) return -1;
    Py_ssize_t e;
    if (p >= memo->email_from && p < memo->email_end) {
        e = memo->email_end;
    } else {
        e = p;
        while (email_local_char(at(c, e))) e++;
        memo->email_from = p;
        memo->email_end = e;
    }
    if (at(c, e) != '@') return -1;
    Py_ssize_t i = e + 1;
    if (!label_char(at(c, i))) return -1;
    /* label starts after the first: walk the chain, remember the starts of labels 2..n */
    Py_ssize_t stack_starts[64];
    Py_ssize_t *starts = stack_starts, cap = 64, n = 0;
    Py_ssize_t result = -1;
    while (label_char(at(c, i))) i++;
    while (at(c, i) == '.' && label_char(at(c, i + 1))) {
        if (n == cap) {
            Py_ssize_t *bigger = PyMem_Malloc(sizeof(Py_ssize_t) * (size_t)cap * 2);
            if (bigger == NULL) goto done; /* cannot happen in practice; no match is the safe answer */
            memcpy(bigger, starts, sizeof(Py_ssize_t) * (size_t)n);
            if (starts != stack_starts) PyMem_Free(starts);
            starts = bigger;
            cap *= 2;
        }
        starts[n++] = i + 1;
        i++;
        while (label_char(at(c, i))) i++;
    }
    for (Py_ssize_t k = n - 1; k >= 0; k--) {
        Py_ssize_t t = starts[k], m = 0;
        while (a_alpha(at(c, t + m))) m++;
        if (m >= 2 && !u_word(at(c, t + m))) {
            result = t + m;
            break;
        }
    }
done:
    if (starts != stack_starts) PyMem_Free(starts);
    return result;
}

/* UUID: \bH{8}-H{4}-H{4}-H{4}-H{12}\b */
static Py_ssize_t m_uuid(const Ctx *c, Py_ssize_t p) {
    static const int groups[] = {8, 4, 4, 4, 12};
    if (u_word(at(c, p - 1))) return -1;
    Py_ssize_t i = p;
    for (int g = 0; g < 5; g++) {
        if (g && at(c, i++) != '-') return -1;
        for (int k = 0; k < groups[g]; k++)
            if (!a_hex(at(c, i++))) return -1;
    }
    return u_word(at(c, i)) ? -1 : i;
}

/* A timestamp's tail after the seconds: (?:[.,]\d+)?(?:Z|[+-]\d{2}:?\d{2})? then a lookahead; `dash` says the
 * lookahead is (?![\w-]) (dates), else (?![\w:]) (times). Returns the first end whose lookahead holds. */
static inline int ts_end_ok(const Ctx *c, Py_ssize_t e, int dash) {
    Py_UCS4 ch = at(c, e);
    return !(u_word(ch) || ch == (dash ? '-' : ':'));
}

static Py_ssize_t ts_zone(const Ctx *c, Py_ssize_t q, int dash) {
    Py_UCS4 ch = at(c, q);
    if (ch == 'Z') {
        if (ts_end_ok(c, q + 1, dash)) return q + 1;
    } else if ((ch == '+' || ch == '-') && ndigits(c, q + 1, 2)) {
        if (at(c, q + 3) == ':' && ndigits(c, q + 4, 2) && ts_end_ok(c, q + 6, dash)) return q + 6;
        if (ndigits(c, q + 3, 2) && ts_end_ok(c, q + 5, dash)) return q + 5;
    }
    return ts_end_ok(c, q, dash) ? q : -1;
}

static Py_ssize_t ts_fraction(const Ctx *c, Py_ssize_t q, int dash) {
    Py_UCS4 ch = at(c, q);
    if (ch == '.' || ch == ',') {
        for (Py_ssize_t n = digits(c, q + 1); n >= 1; n--) {
            Py_ssize_t e = ts_zone(c, q + 1 + n, dash);
            if (e >= 0) return e;
        }
    }
    return ts_zone(c, q, dash);
}

/* TS: \b\d{4}-\d{2}-\d{2}(?:[T ]\d{1,2}:\d{2}(?::\d{2})?(?:[.,]\d+)?(?:Z|[+-]\d{2}:?\d{2})?)?(?![\w-])
 *   | (?<![\w:.])\d{1,2}:\d{2}:\d{2}(?:[.,]\d+)?(?:Z|[+-]\d{2}:?\d{2})?(?![\w:]) */
static Py_ssize_t m_ts(const Ctx *c, Py_ssize_t p) {
    Py_UCS4 before = at(c, p - 1);
    if (!u_digit(at(c, p))) return -1;
    if (!u_word(before) && ndigits(c, p, 4) && at(c, p + 4) == '-' && ndigits(c, p + 5, 2) && at(c, p + 7) == '-' &&
        ndigits(c, p + 8, 2)) {
        Py_ssize_t base = p + 10;
        Py_UCS4 sep = at(c, base);
        if (sep == 'T' || sep == ' ') {
            for (int h = 2; h >= 1; h--) {
                Py_ssize_t i = base + 1;
                if (!ndigits(c, i, h) || at(c, i + h) != ':' || !ndigits(c, i + h + 1, 2)) continue;
                Py_ssize_t q = i + h + 3;
                if (at(c, q) == ':' && ndigits(c, q + 1, 2)) {
                    Py_ssize_t e = ts_fraction(c, q + 3, 1);
                    if (e >= 0) return e;
                }
                Py_ssize_t e = ts_fraction(c, q, 1);
                if (e >= 0) return e;
            }
        }
        if (ts_end_ok(c, base, 1)) return base;
    }
    if (u_word(before) || before == ':' || before == '.') return -1;
    for (int h = 2; h >= 1; h--) {
        if (!ndigits(c, p, h) || at(c, p + h) != ':' || !ndigits(c, p + h + 1, 2) || at(c, p + h + 3) != ':' ||
            !ndigits(c, p + h + 4, 2))
            continue;
        Py_ssize_t e = ts_fraction(c, p + h + 6, 0);
        if (e >= 0) return e;
    }
    return -1;
}

/* MAC: (?<![\w:-])H{2}([:-])H{2}(?:\1H{2}){4}(?![\w:-]) */
static Py_ssize_t m_mac(const Ctx *c, Py_ssize_t p) {
    Py_UCS4 before = at(c, p - 1), sep = at(c, p + 2);
    if (u_word(before) || before == ':' || before == '-' || (sep != ':' && sep != '-')) return -1;
    for (int g = 0; g < 6; g++) {
        Py_ssize_t i = p + 3 * g;
        if (g && at(c, i - 1) != sep) return -1;
        if (!a_hex(at(c, i)) || !a_hex(at(c, i + 1))) return -1;
    }
    Py_UCS4 after = at(c, p + 17);
    return (u_word(after) || after == ':' || after == '-') ? -1 : p + 17;
}

/* IP: (?<![\w.])(?<![A-Za-z]-)\d{1,3}(?:\.\d{1,3}){3}(?::\d{1,5})?(?![\w]|\.\d) (a name's version: tokens.py) */
static inline int ip_end_ok(const Ctx *c, Py_ssize_t e) {
    Py_UCS4 ch = at(c, e);
    return !(u_word(ch) || (ch == '.' && u_digit(at(c, e + 1))));
}

/* A group's \d{1,3} can only end at the end of its digit run (else a digit stands where '.', ':' or the lookahead's
 * no-\w needs something else), so each group is its whole run, of 1 to 3 digits; then the port likewise. */
static Py_ssize_t m_ip(const Ctx *c, Py_ssize_t p) {
    Py_UCS4 before = at(c, p - 1);
    if (u_word(before) || before == '.' || (before == '-' && a_alpha(at(c, p - 2)))) return -1;
    Py_ssize_t i = p;
    for (int g = 0; g < 4; g++) {
        if (g && at(c, i++) != '.') return -1;
        Py_ssize_t run = digits(c, i);
        if (run < 1 || run > 3) return -1;
        i += run;
    }
    if (at(c, i) == ':') {
        Py_ssize_t prun = digits(c, i + 1);
        if (prun >= 1 && prun <= 5 && ip_end_ok(c, i + 1 + prun)) return i + 1 + prun;
    }
    return ip_end_ok(c, i) ? i : -1;
}

/* tokens.SOURCE_EXTENSIONS and SOURCE_EXTENSIONS_TLD (the latter also top-level domains: NAME.EXT alone) */
static const char *const SOURCE_EXTENSIONS[] = {"c", "h", "cpp", "cxx", "hpp", "hh", "hxx", "go", "js", "mjs", "cjs",
                                                "jsx", "ts", "tsx", "rb", "php", "kt", "scala", "groovy", "cs",
                                                "swift", "m", "erl", "ex", "exs", "hs", "lua", "zig", "dart", NULL};
static const char *const SOURCE_EXTENSIONS_TLD[] = {"cc", "java", "mm", "pl", "py", "rs", "sh", NULL};

/* tokens._SOURCE: the host-like run of `labels` labels that ends at the ':' at `colon` is a source location
 * NAME.EXT:LINE (its last label a source extension) */
static int source_location(const Ctx *c, Py_ssize_t colon, Py_ssize_t labels) {
    Py_ssize_t dot = colon - 1;
    while (at(c, dot) != '.') dot--;
    Py_ssize_t n = colon - dot - 1;
    for (int tld = 0; tld <= 1; tld++) {
        if (tld && labels != 2) break;
        for (const char *const *e = tld ? SOURCE_EXTENSIONS_TLD : SOURCE_EXTENSIONS; *e; e++)
            if ((Py_ssize_t)strlen(*e) == n && lit(c, dot + 1, *e)) return 1;
    }
    return 0;
}

/* HOSTPORT: (?<![\w.-])(?!SOURCE)[A-Za-z0-9-]+(?:\.[A-Za-z0-9-]+)+:\d{1,5}(?![\w.:]) */
static Py_ssize_t m_hostport(const Ctx *c, Py_ssize_t p) {
    Py_UCS4 before = at(c, p - 1);
    if (u_word(before) || before == '.' || before == '-' || !label_char(at(c, p))) return -1;
    Py_ssize_t i = p + 1, labels = 1;
    while (label_char(at(c, i))) i++;
    while (at(c, i) == '.' && label_char(at(c, i + 1))) {
        i += 2;
        while (label_char(at(c, i))) i++;
        labels++;
    }
    if (labels < 2 || at(c, i) != ':') return -1;
    if (source_location(c, i, labels)) return -1;
    Py_ssize_t run = digits(c, i + 1);
    for (Py_ssize_t k = run < 5 ? run : 5; k >= 1; k--) {
        Py_UCS4 ch = at(c, i + 1 + k);
        if (!(u_word(ch) || ch == '.' || ch == ':')) return i + 1 + k;
    }
    return -1;
}

/* IP6: \[V6\](?::\d{1,5})? | (?<![\w:.])V6(?![\w:])
 * with V6 = (?:H{1,4}:|::?)[H:]*H(?:%\w+)? */
static Py_ssize_t ip6_after(const Ctx *c, Py_ssize_t e, int bracket) {
    if (!bracket) {
        Py_UCS4 ch = at(c, e);
        return (u_word(ch) || ch == ':') ? -1 : e;
    }
    if (at(c, e) != ']') return -1;
    e++;
    if (at(c, e) == ':') {
        Py_ssize_t run = digits(c, e + 1);
        if (run >= 1) return e + 1 + (run < 5 ? run : 5);
    }
    return e;
}

static Py_ssize_t ip6_body(const Ctx *c, Py_ssize_t j, int bracket) {
    Py_ssize_t r = j;
    while (a_hex(at(c, r)) || at(c, r) == ':') r++;
    for (Py_ssize_t h = r - 1; h >= j; h--) { /* [H:]* gives back one at a time; H must follow it */
        if (!a_hex(at(c, h))) continue;
        Py_ssize_t e0 = h + 1;
        if (at(c, e0) == '%' && u_word(at(c, e0 + 1))) {
            Py_ssize_t w = e0 + 1;
            while (u_word(at(c, w))) w++;
            for (; w > e0 + 1; w--) {
                Py_ssize_t e = ip6_after(c, w, bracket);
                if (e >= 0) return e;
            }
        }
        Py_ssize_t e = ip6_after(c, e0, bracket);
        if (e >= 0) return e;
    }
    return -1;
}

static Py_ssize_t ip6_at(const Ctx *c, Py_ssize_t i, int bracket) {
    Py_ssize_t run = hexes(c, i);
    for (Py_ssize_t h = run < 4 ? run : 4; h >= 1; h--) {
        if (at(c, i + h) == ':') {
            Py_ssize_t e = ip6_body(c, i + h + 1, bracket);
            if (e >= 0) return e;
        }
    }
    if (at(c, i) == ':') {
        if (at(c, i + 1) == ':') {
            Py_ssize_t e = ip6_body(c, i + 2, bracket);
            if (e >= 0) return e;
        }
        return ip6_body(c, i + 1, bracket);
    }
    return -1;
}

static Py_ssize_t m_ip6(const Ctx *c, Py_ssize_t p) {
    Py_UCS4 ch = at(c, p);
    if (ch == '[') {
        Py_ssize_t e = ip6_at(c, p + 1, 1);
        if (e >= 0) return e;
    }
    Py_UCS4 before = at(c, p - 1);
    if (u_word(before) || before == ':' || before == '.') return -1;
    if (!a_hex(ch) && ch != ':') return -1;
    return ip6_at(c, p, 0);
}

/* PATH: (?<![\w/.~:-])(?:~|\.\.?)?(?:/P+)+/?(?:\?[^\s"'<>]*)? | \b[A-Za-z]:\\[^\s"'<>]* */
static Py_ssize_t m_path(const Ctx *c, Py_ssize_t p) {
    Py_UCS4 before = at(c, p - 1), ch = at(c, p);
    if (!(u_word(before) || before == '/' || before == '.' || before == '~' || before == ':' || before == '-')) {
        Py_ssize_t starts[4];
        int n = 0;
        if (ch == '~') starts[n++] = p + 1;
        if (ch == '.' && at(c, p + 1) == '.') starts[n++] = p + 2;
        if (ch == '.') starts[n++] = p + 1;
        starts[n++] = p;
        for (int k = 0; k < n; k++) {
            Py_ssize_t i = starts[k];
            if (at(c, i) != '/' || !path_char(at(c, i + 1))) continue;
            while (at(c, i) == '/' && path_char(at(c, i + 1))) {
                i += 2;
                while (path_char(at(c, i))) i++;
            }
            if (at(c, i) == '/') i++;
            if (at(c, i) == '?') {
                i++;
                while (url_char(at(c, i))) i++;
            }
            return i;
        }
    }
    if (a_alpha(ch) && !u_word(before) && at(c, p + 1) == ':' && at(c, p + 2) == '\\') {
        Py_ssize_t i = p + 3;
        while (url_char(at(c, i))) i++;
        return i;
    }
    return -1;
}

/* HEX: \b0[xX]H+\b */
static Py_ssize_t m_hex(const Ctx *c, Py_ssize_t p) {
    if (at(c, p) != '0' || u_word(at(c, p - 1))) return -1;
    Py_UCS4 x = at(c, p + 1);
    if (x != 'x' && x != 'X') return -1;
    Py_ssize_t n = hexes(c, p + 2);
    if (n < 1 || u_word(at(c, p + 2 + n))) return -1;
    return p + 2 + n;
}

/* XNUM: (?<![A-Za-z0-9])(?=[a-fA-F]*\d)H{8,}(?![A-Za-z0-9]) */
static Py_ssize_t m_xnum(const Ctx *c, Py_ssize_t p) {
    Py_ssize_t i = p;
    while (a_hexletter(at(c, i))) i++;
    if (!u_digit(at(c, i))) return -1;
    Py_ssize_t n = hexes(c, p);
    if (n < 8 || a_alnum(at(c, p + n))) return -1;
    return p + n;
}

/* XSHORT: (?<![A-Za-z0-9])(?=[0-9]*[a-fA-F])(?=[a-fA-F]*[0-9])H{4,7}(?![A-Za-z0-9]): a short id of hex digits that
 * mixes digits and letters. H{4,7} backtracks only to ends followed by another hex digit, which (?![A-Za-z0-9])
 * refuses: the run of hex digits from p is the match, whole, and the lookaheads ask that it hold a letter (the
 * first non-digit of [0-9]* is inside it) and an ASCII digit. */
static Py_ssize_t m_xshort(const Ctx *c, Py_ssize_t p) {
    Py_ssize_t n = hexes(c, p);
    if (n < 4 || n > 7 || a_alnum(at(c, p + n))) return -1;
    int letters = 0, digits_ = 0;
    for (Py_ssize_t i = p; i < p + n; i++) {
        if (a_hexletter(at(c, i))) letters = 1;
        else digits_ = 1;
    }
    return letters && digits_ ? p + n : -1;
}

/* DUR: (?<![A-Za-z0-9.])(?:\d+(?:\.\d+)?(?:ns|us|µs|ms|s|m|h|d|sec|secs|min|mins|hrs?)){1,4}(?![A-Za-z0-9]) */
static const char *const DUR_UNITS[] = {"ns", "us", "\xb5s", "ms", "s", "m", "h", "d", "sec", "secs", "min", "mins",
                                        "hrs", "hr", NULL};


static Py_ssize_t dur_iter(const Ctx *c, Py_ssize_t i, int k);

static Py_ssize_t dur_units(const Ctx *c, Py_ssize_t q, int k) {
    Py_UCS4 first = at(c, q);
    if (!(first < 128 ? ascii_class[first] & C_UNIT : first == 0xb5)) return -1;
    for (const char *const *u = DUR_UNITS; *u; u++) {
        if (!lit(c, q, *u)) continue;
        Py_ssize_t e = q + (Py_ssize_t)strlen(*u);
        if (k < 4) {
            Py_ssize_t r = dur_iter(c, e, k + 1);
            if (r >= 0) return r;
        }
        if (!a_alnum(at(c, e))) return e;
    }
    return -1;
}

/* \d+(?:\.\d+)? and a unit: a unit starts with a letter or 'µ', never a digit, so of the ends backtracking gives
 * the \d+ and the \d+ after the '.' only their longest can be followed by one */
static Py_ssize_t dur_iter(const Ctx *c, Py_ssize_t i, int k) {
    Py_ssize_t n = digits(c, i);
    if (n == 0) return -1;
    Py_ssize_t j = i + n;
    if (at(c, j) == '.') {
        Py_ssize_t f = digits(c, j + 1);
        if (f >= 1) {
            Py_ssize_t e = dur_units(c, j + 1 + f, k);
            if (e >= 0) return e;
        }
    }
    return dur_units(c, j, k);
}

static Py_ssize_t m_dur(const Ctx *c, Py_ssize_t p) {
    if (at(c, p - 1) == '.' || !u_digit(at(c, p))) return -1;
    return dur_iter(c, p, 1);
}

/* NUM: (?<![A-Za-z0-9])[-+]?\d+(?:[.,]\d+)*(?:[kKMGTP]i?B|[kKMGT]|B|b)?(?![A-Za-z0-9])
 * and, with `suffix` 0, tokens._NUM_RE (no size suffix). The groups are maximal \d runs (a shorter one leaves a
 * digit where [.,] is needed); backtracking goes from the last group's end back through every shorter end. */
static Py_ssize_t num_suffix(const Ctx *c, Py_ssize_t e, int suffix) {
    if (suffix) {
        Py_UCS4 ch = at(c, e);
        if (ch < 128 && strchr("kKMGTP", (int)ch) && ch != 0) {
            if (at(c, e + 1) == 'i' && at(c, e + 2) == 'B' && !a_alnum(at(c, e + 3))) return e + 3;
            if (at(c, e + 1) == 'B' && !a_alnum(at(c, e + 2))) return e + 2;
        }
        if (ch < 128 && strchr("kKMGT", (int)ch) && ch != 0 && !a_alnum(at(c, e + 1))) return e + 1;
        if ((ch == 'B' || ch == 'b') && !a_alnum(at(c, e + 1))) return e + 1;
    }
    return a_alnum(at(c, e)) ? -1 : e;
}

static Py_ssize_t num_body(const Ctx *c, Py_ssize_t i, int suffix) {
    if (!u_digit(at(c, i))) return -1;
    /* the chain of groups: walk to the last, then try ends from there backwards */
    Py_ssize_t start = i, end = i + digits(c, i);
    while ((at(c, end) == '.' || at(c, end) == ',') && u_digit(at(c, end + 1))) {
        start = end + 1;
        end = start + digits(c, start);
    }
    for (;;) {
        for (Py_ssize_t e = end; e > start; e--) {
            Py_ssize_t r = num_suffix(c, e, suffix);
            if (r >= 0) return r;
        }
        if (start == i) return -1;
        /* the group before: it ends at the separator before `start`, and starts after the separator before it */
        end = start - 1;
        start = end;
        while (start > i && u_digit(at(c, start - 1))) start--;
    }
}

static Py_ssize_t m_num(const Ctx *c, Py_ssize_t p, int suffix) {
    Py_UCS4 ch = at(c, p);
    if (ch == '-' || ch == '+') return num_body(c, p + 1, suffix);
    return num_body(c, p, suffix);
}

/* Q: (?<![A-Za-z0-9\\])"(?:[^"\\\n]|\\.)*"(?!\s*:) | (?<![A-Za-z0-9])'[^'\n]*'(?![A-Za-z0-9:]) */
/* the first i' >= i whose character is NOCH, '\n', `a` or `b`, 4 characters at a time (the range's PAD NOCH stop
 * every read within 3 characters past the range) */
static inline Py_ssize_t skip_plain(const Ctx *c, Py_ssize_t i, Py_UCS4 a, Py_UCS4 b) {
#if defined(__SSE2__)
    const __m128i noch = _mm_set1_epi32((int)NOCH), nl = _mm_set1_epi32('\n'), va = _mm_set1_epi32((int)a),
                  vb = _mm_set1_epi32((int)b);
    for (;; i += 4) {
        __m128i v = _mm_loadu_si128((const __m128i *)(c->s + i));
        __m128i hit = _mm_or_si128(_mm_or_si128(_mm_cmpeq_epi32(v, noch), _mm_cmpeq_epi32(v, nl)),
                                   _mm_or_si128(_mm_cmpeq_epi32(v, va), _mm_cmpeq_epi32(v, vb)));
        int bits = _mm_movemask_ps(_mm_castsi128_ps(hit));
        if (bits) return i + __builtin_ctz((unsigned)bits);
    }
#else
    for (Py_UCS4 ch; (ch = at(c, i)) != NOCH && ch != '\n' && ch != a && ch != b;) i++;
    return i;
#endif
}

static Py_ssize_t m_q(const Ctx *c, Py_ssize_t p) {
    Py_UCS4 ch = at(c, p);
    if (ch == '"') {
        if (at(c, p - 1) == '\\') return -1;
        Py_ssize_t i = p + 1;
        for (;;) {
            i = skip_plain(c, i, '"', '\\');
            Py_UCS4 b = at(c, i);
            if (b == NOCH || b == '\n') return -1;
            if (b == '"') break;
            if (b == '\\') {
                Py_UCS4 next = at(c, i + 1);
                if (next == NOCH || next == '\n') return -1;
                i += 2;
            } else {
                i++;
            }
        }
        Py_ssize_t e = i + 1, k = e;
        while (u_space(at(c, k))) k++;
        return at(c, k) == ':' ? -1 : e;
    }
    if (ch == '\'') {
        Py_ssize_t i = skip_plain(c, p + 1, '\'', '\'');
        Py_UCS4 b = at(c, i);
        if (b == NOCH || b == '\n') return -1;
        Py_UCS4 after = at(c, i + 1);
        return (a_alnum(after) || after == ':') ? -1 : i + 1;
    }
    return -1;
}

/* --- output ------------------------------------------------------------------------------------------ */

static int out_reserve(Out *o, Py_ssize_t more) {
    if (o->len + more <= o->cap) return 0;
    Py_ssize_t cap = o->cap ? o->cap : 256;
    while (cap < o->len + more) cap *= 2;
    Py_UCS4 *buf = PyMem_Realloc(o->buf, sizeof(Py_UCS4) * (size_t)cap);
    if (buf == NULL) {
        PyErr_NoMemory();
        return -1;
    }
    o->buf = buf;
    o->cap = cap;
    return 0;
}

/* a placeholder ("<NUM>") as UCS4, written 8 characters at once (init_placeholders) */
typedef struct {
    Py_UCS4 ch[8];
    Py_ssize_t n;
} Placeholder;

static void placeholder_of(Placeholder *ph, const char *text) {
    ph->n = (Py_ssize_t)strlen(text);
    for (int k = 0; k < 8; k++) ph->ch[k] = k < ph->n ? (Py_UCS4)(unsigned char)text[k] : 0;
}

static Placeholder PH_NUM, PH_IP, PH_DATE, PH_STR;

static int out_placeholder(Out *o, const Placeholder *ph) {
    if (out_reserve(o, 8) < 0) return -1;
    memcpy(o->buf + o->len, ph->ch, sizeof ph->ch);
    o->len += ph->n;
    return 0;
}

static int out_range(Out *o, const Py_UCS4 *s, Py_ssize_t from, Py_ssize_t to) {
    if (to <= from) return 0;
    if (out_reserve(o, to - from) < 0) return -1;
    memcpy(o->buf + o->len, s + from, sizeof(Py_UCS4) * (size_t)(to - from));
    o->len += to - from;
    return 0;
}

static int out_char(Out *o, Py_UCS4 ch) {
    if (out_reserve(o, 1) < 0) return -1;
    o->buf[o->len++] = ch;
    return 0;
}

/* --- replacements (tokens._replace) ----------------------------------------------------------------- */

static const char *const LEVEL_WORDS[] = {
    "trace", "trc",   "debug", "dbg",   "debu",  "info",     "inf",   "information", "informational", "notice",
    "warn",  "warning", "wrn", "error", "err",   "eror",     "crit",  "critical",    "fatal",         "ftl",
    "panic", "emerg", "emergency", "alert", "severe", "fine", "finer", "finest", "verbose", NULL};

/* inner.strip().lower() in LEVEL_WORDS. Only U+212A (KELVIN SIGN) and U+0130 lower to something with ASCII in
 * it; 'k' is in no level word and U+0130's lowering keeps a combining dot, so a non-ASCII character means no. */
static int is_level_word(const Py_UCS4 *s, Py_ssize_t from, Py_ssize_t to) {
    while (from < to && u_space(s[from])) from++;
    while (to > from && u_space(s[to - 1])) to--;
    Py_ssize_t n = to - from;
    if (n < 3 || n > 13) return 0;
    char low[14];
    for (Py_ssize_t k = 0; k < n; k++) {
        Py_UCS4 ch = s[from + k];
        if (ch >= 128) return 0;
        low[k] = (char)(ch >= 'A' && ch <= 'Z' ? ch + 32 : ch);
    }
    low[n] = 0;
    for (const char *const *w = LEVEL_WORDS; *w; w++)
        if ((*w)[0] == low[0] && strcmp(low, *w) == 0) return 1;
    return 0;
}

static const char *const TEXT_KEYS[] = {"msg", "message", "MESSAGE", "Message", "event", "log", "error", "err",
                                        "level", "lvl", "severity", "loglevel", "log.level", "levelname", NULL};

/* s[lo:p] ends with "KEY":, KEY= or "KEY": for one of the text keys (tokens._TEXT_KEY_ENDS) */
static int after_text_key(const Ctx *c, Py_ssize_t p) {
    Py_UCS4 before = at(c, p - 1);
    Py_ssize_t end; /* where the key would end */
    int quoted = 1;
    if (before == '=') { /* KEY= */
        end = p - 1;
        quoted = 0;
    } else if (before == ':') { /* "KEY": */
        end = p - 2;
    } else if (before == ' ' && at(c, p - 2) == ':') { /* "KEY": followed by a space */
        end = p - 3;
    } else {
        return 0;
    }
    if (quoted && at(c, end) != '"') return 0;
    for (const char *const *k = TEXT_KEYS; *k; k++) {
        Py_ssize_t n = (Py_ssize_t)strlen(*k);
        if (end - n - quoted >= c->lo && lit(c, end - n, *k) && (!quoted || at(c, end - n - 1) == '"')) return 1;
    }
    return 0;
}

static int mask_range(const Py_UCS4 *s, Py_ssize_t lo, Py_ssize_t hi, Out *o);

/* _NUM_RE.sub("<NUM>", text) on s[from:to] as a string of its own (s padded around it) */
static int num_sub_padded(const Py_UCS4 *s, Py_ssize_t from, Py_ssize_t to, Out *o) {
    Ctx c = {s, from, to};
    Py_ssize_t p = from, copied = from;
    while (p < to) {
        if (!a_alnum(at(&c, p - 1))) {
            Py_ssize_t e = m_num(&c, p, 0);
            if (e >= 0) {
                if (out_range(o, s, copied, p) < 0 || out_placeholder(o, &PH_NUM) < 0) return -1;
                p = copied = e;
                continue;
            }
        }
        p++;
    }
    return out_range(o, s, copied, to);
}

static int replace_ip6(const Py_UCS4 *s, Py_ssize_t from, Py_ssize_t to, Out *o) {
    /* core = text.strip("[]").split("]")[0] */
    Py_ssize_t a = from, b = to;
    while (a < b && (s[a] == '[' || s[a] == ']')) a++;
    while (b > a && (s[b - 1] == '[' || s[b - 1] == ']')) b--;
    for (Py_ssize_t k = a; k < b; k++)
        if (s[k] == ']') {
            b = k;
            break;
        }
    Py_ssize_t colons = 0;
    int double_colon = 0, digit = 0;
    for (Py_ssize_t k = a; k < b; k++) {
        if (s[k] == ':') {
            colons++;
            if (k + 1 < b && s[k + 1] == ':') double_colon = 1;
        }
        if (s[k] < 128 ? (s[k] >= '0' && s[k] <= '9') : Py_UNICODE_ISDIGIT(s[k])) digit = 1;
    }
    if ((double_colon || colons == 7) && digit && colons >= 2) return out_placeholder(o, &PH_IP);
    Py_UCS4 local[LOCAL], *text, *base = padded(s + from, to - from, &text, local);
    if (base == NULL) return -1;
    int rc = num_sub_padded(text, 0, to - from, o);
    if (base != local) PyMem_Free(base);
    return rc;
}

enum Kind { K_GLOG, K_URL, K_UNIT, K_EMAIL, K_UUID, K_TS, K_MAC, K_IP, K_HOSTPORT, K_IP6, K_PATH, K_HEX, K_XNUM, K_DUR,
            K_XSHORT, K_NUM, K_DATE, K_Q, K_NONE };

static const char *const SIMPLE[] = {NULL, "<URL>", "<UNIT>", "<EMAIL>", "<UUID>", "<TS>", "<MAC>", "<IP>", "<IP>", NULL,
                                     "<PATH>", "<HEX>", "<NUM>", "<DUR>", "<NUM>", "<NUM>", "<DATE>", NULL};
static Placeholder simple_ph[K_NONE];

static void init_placeholders(void) {
    for (int k = 0; k < K_NONE; k++)
        if (SIMPLE[k]) placeholder_of(&simple_ph[k], SIMPLE[k]);
    placeholder_of(&PH_NUM, "<NUM>");
    placeholder_of(&PH_IP, "<IP>");
    placeholder_of(&PH_DATE, "<DATE>");
    placeholder_of(&PH_STR, "<STR>");
}

/* DATE: (?:Mon|Tue|...|Sun|Jan|...|Dec)(?![A-Za-z0-9]): month and weekday names (tokens.py _DATE_NAMES) */
static Py_ssize_t m_date(const Ctx *c, Py_ssize_t p) {
    static const char *const NAMES[] = {"Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun", "Jan", "Feb", "Mar", "Apr",
                                        "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec", NULL};
    Py_UCS4 first = at(c, p);
    if (a_alnum(at(c, p + 3)) || first >= 128 || !(ascii_class[first] & C_UPPER)) return -1;
    for (const char *const *name = NAMES; *name; name++)
        if (at(c, p) == (Py_UCS4)(*name)[0] && at(c, p + 1) == (Py_UCS4)(*name)[1] && at(c, p + 2) == (Py_UCS4)(*name)[2])
            return p + 3;
    return -1;
}

/* The first kind matching at p, in the regex's order; its end in *end. */
static enum Kind match_at(const Ctx *c, Py_ssize_t p, Memo *memo, Py_ssize_t *end) {
    Py_UCS4 ch = at(c, p);
    Py_ssize_t e;
    int word = u_word(ch), digit = u_digit(ch), hex = a_hex(ch);
#define TRY(kind, call)              \
    if ((e = (call)) >= 0) {         \
        *end = e;                    \
        return kind;                 \
    }
    /* what each match must hold: URL "://", UNIT ".", EMAIL "@" and ".", UUID "-", TS "-" (a date) or ":" (a
     * time), MAC ":" or "-", IP ".", HOSTPORT "." and ":", IP6 ":", PATH "/" or (a drive) "\\" */
    TRY(K_GLOG, m_glog(c, p));
    unsigned seen = seen_upto(c->s, p, memo);
    if (a_alpha(ch) && (seen & S_COLON) && (seen & S_SLASH)) TRY(K_URL, m_url(c, p));
    if ((word || ch == ':' || ch == '@' || ch == '-' || ch == '\\') && (seen & S_DOT)) TRY(K_UNIT, m_unit(c, p, memo));
    if ((word || ch == '.' || ch == '+' || ch == '-') && (seen & S_AT) && (seen & S_DOT))
        TRY(K_EMAIL, m_email(c, p, memo));
    if (hex && (seen & S_DASH)) TRY(K_UUID, m_uuid(c, p));
    if (digit && (seen & (S_DASH | S_COLON))) TRY(K_TS, m_ts(c, p));
    if (hex && (seen & (S_COLON | S_DASH))) TRY(K_MAC, m_mac(c, p));
    if (digit && (seen & S_DOT)) TRY(K_IP, m_ip(c, p));
    if ((a_alnum(ch) || ch == '-') && (seen & S_DOT) && (seen & S_COLON)) TRY(K_HOSTPORT, m_hostport(c, p));
    if ((hex || ch == ':' || ch == '[') && (seen & S_COLON)) TRY(K_IP6, m_ip6(c, p));
    if ((ch == '/' || ch == '~' || ch == '.' || a_alpha(ch)) && (seen & (S_SLASH | S_BACKSLASH)))
        TRY(K_PATH, m_path(c, p));
    if (ch == '0') TRY(K_HEX, m_hex(c, p));
    if (hex) TRY(K_XNUM, m_xnum(c, p));
    if (digit) TRY(K_DUR, m_dur(c, p));
    if (hex) TRY(K_XSHORT, m_xshort(c, p));
    if (digit || ch == '-' || ch == '+') TRY(K_NUM, m_num(c, p, 1));
    if (a_upper(ch)) TRY(K_DATE, m_date(c, p));
    if (ch == '"' || ch == '\'') TRY(K_Q, m_q(c, p));
#undef TRY
    return K_NONE;
}

/* Quoted values' insides, masked (tokens._mask_inner): each is masked as a string of its own, so its masked text
 * is a function of its characters alone, and many repeat (a user agent, a request line, msg="batch flushed").
 * A direct-mapped cache keyed by the characters (compared in full on a hit) keeps the last masked text a slot saw. */
#define INNER_SLOTS 256
#define INNER_MAX 512 /* longer insides are masked every time */
typedef struct {
    Py_UCS4 *text; /* the inside's n characters, then its masked text's m */
    Py_ssize_t n, m, cap;
} InnerSlot;
static InnerSlot inner_cache[INNER_SLOTS];

static int mask_inner(const Py_UCS4 *s, Py_ssize_t n, Out *o) {
    uint32_t h = 2166136261u;
    for (Py_ssize_t k = 0; k < n; k++) h = (h ^ s[k]) * 16777619u;
    InnerSlot *slot = n <= INNER_MAX ? &inner_cache[(h ^ (h >> 16)) % INNER_SLOTS] : NULL;
    if (slot != NULL && slot->text != NULL && slot->n == n && memcmp(slot->text, s, sizeof(Py_UCS4) * (size_t)n) == 0)
        return out_range(o, slot->text, n, n + slot->m);
    Py_UCS4 local[LOCAL], *inner, *base = padded(s, n, &inner, local);
    if (base == NULL) return -1;
    Py_ssize_t start = o->len;
    int rc = mask_range(inner, 0, n, o);
    if (base != local) PyMem_Free(base);
    if (rc < 0 || slot == NULL) return rc;
    Py_ssize_t m = o->len - start;
    if (n + m > slot->cap) {
        Py_UCS4 *bigger = PyMem_Realloc(slot->text, sizeof(Py_UCS4) * (size_t)(n + m));
        if (bigger == NULL) { /* no room to keep it: the slot forgets what it had */
            PyMem_Free(slot->text);
            *slot = (InnerSlot){NULL, 0, 0, 0};
            return 0;
        }
        slot->text = bigger;
        slot->cap = n + m;
    }
    memcpy(slot->text, s, sizeof(Py_UCS4) * (size_t)n);
    memcpy(slot->text + n, o->buf + start, sizeof(Py_UCS4) * (size_t)m);
    slot->n = n;
    slot->m = m;
    return 0;
}

/* _MASK_RE.sub(_replace, s[lo:hi]) appended to o; s holds PAD NOCH on each side of [lo, hi) */
static int mask_range(const Py_UCS4 *s, Py_ssize_t lo, Py_ssize_t hi, Out *o) {
    Ctx c = {s, lo, hi};
    Memo memo = {.unit_from = -1, .unit_end = -1, .unit_match = -1, .email_from = -1, .email_end = -1,
                 .blank_at = -1};
    Py_ssize_t p = lo, copied = lo;
    while (p < hi) {
        if (p > lo && a_alnum(s[p - 1])) { /* no kind starts right after a letter or digit */
            do p++;
            while (p < hi && a_alnum(s[p - 1]));
            continue;
        }
        Py_ssize_t e = -1;
        enum Kind kind;
        Py_UCS4 ch = s[p];
        if (a_alnum(ch)) {
            /* Most starts are words. Every kind before HEX but GLOG needs one of + . - : _ @ or a backslash (or a non-ASCII \w or
             * \d) right after the word's ASCII letters and digits, so when none follows, only GLOG (a space after
             * it), HEX, XNUM, DUR, XSHORT and NUM can match here; a word with a letter beyond f that starts with a
             * letter matches none of the last five. */
            Py_ssize_t w = p + 1;
            unsigned all = ascii_class[ch]; /* the classes every character of the word is in */
            while (a_alnum(s[w])) all &= ascii_class[s[w++]]; /* NOCH past the range is none */
            Py_UCS4 nx = at(&c, w);
            /* a glue character with a blank right after it ("failed.", "error: ") glues nothing: no kind before HEX
             * holds whitespace or ends on + . - : _ @ */
            if (nx == NOCH || (nx < 128 && (!(ascii_class[nx] & C_GLUE) || blank(at(&c, w + 1))))) {
                kind = K_NONE;
                if ((all & C_DIGIT) && nx != ',') {
                    /* digits alone, no [.,] digit after them: HEX, DUR and XSHORT need a letter, XNUM 8 or more, NUM any */
                    kind = w - p >= 8 ? K_XNUM : K_NUM;
                    e = w;
                } else if ((w - p == 5 || w - p == 7 || w - p == 9) && (e = m_glog(&c, p)) >= 0) {
                    kind = K_GLOG; /* glog's level letter and date: "E1126 14:00:00" */
                } else if (!a_hex(ch) && !u_digit(ch)) {
                    if (w - p == 3 && (e = m_date(&c, p)) >= 0) {
                        kind = K_DATE; /* a month or weekday name */
                    } else {
                        p = w; /* no kind matches at p, and positions inside the word follow a letter or digit */
                        continue;
                    }
                } else if ((e = m_hex(&c, p)) >= 0) kind = K_HEX;
                else if ((e = m_xnum(&c, p)) >= 0) kind = K_XNUM;
                else if ((e = m_dur(&c, p)) >= 0) kind = K_DUR;
                else if ((e = m_xshort(&c, p)) >= 0) kind = K_XSHORT;
                else if ((e = m_num(&c, p, 1)) >= 0) kind = K_NUM;
                else if (w - p == 3 && (e = m_date(&c, p)) >= 0) kind = K_DATE;
                if (kind == K_NONE) {
                    p = w;
                    continue;
                }
            } else {
                kind = match_at(&c, p, &memo, &e);
            }
        } else if (ch < 128 && (!(ascii_class[ch] & C_START) || (ch != '"' && ch != '\'' && blank(s[p + 1])))) {
            p++; /* spaces, most punctuation, and the rest but quotes before a blank: every other kind needs more */
            continue;
        } else {
            kind = match_at(&c, p, &memo, &e);
        }
        if (kind == K_NONE) {
            p++;
            continue;
        }
        if (out_range(o, s, copied, p) < 0) return -1;
        if (SIMPLE[kind] != NULL) {
            if (out_placeholder(o, &simple_ph[kind]) < 0) return -1;
        } else if (kind == K_GLOG) {
            if (out_char(o, s[p]) < 0 || out_placeholder(o, &PH_DATE) < 0) return -1;
        } else if (kind == K_IP6) {
            if (replace_ip6(s, p, e, o) < 0) return -1;
        } else { /* K_Q: a quoted value */
            Py_ssize_t a = p + 1, b = e - 1;
            int has_space = 0;
            for (Py_ssize_t k = a; k < b; k++)
                if (s[k] == ' ') {
                    has_space = 1;
                    break;
                }
            if (a == b || is_level_word(s, a, b)) {
                if (out_range(o, s, p, e) < 0) return -1;
            } else if (has_space || after_text_key(&c, p)) {
                if (out_char(o, s[p]) < 0 || mask_inner(s + a, b - a, o) < 0 || out_char(o, s[e - 1]) < 0) return -1;
            } else if (out_placeholder(o, &PH_STR) < 0) {
                return -1;
            }
        }
        p = copied = e;
    }
    return out_range(o, s, copied, hi);
}

/* --- the module -------------------------------------------------------------------------------------- */

static PyObject *json_text; /* tokens._json_text, set by set_json_text() */
static Py_UCS4 *src_buf; /* PAD NOCH, src_cap characters, PAD NOCH */
static Py_ssize_t src_cap;
static Out out_main, out_list, out_key;
static const Py_UCS4 EMPTY[1] = {0};

/* room for a line of n characters in src_buf, with PAD NOCH before it and after its n characters */
static Py_UCS4 *src_room(Py_ssize_t n) {
    if (src_buf == NULL || n > src_cap) {
        Py_ssize_t cap = src_cap ? src_cap : 1024;
        while (cap < n) cap *= 2;
        Py_UCS4 *buf = PyMem_Realloc(src_buf, sizeof(Py_UCS4) * (size_t)(cap + 2 * PAD));
        if (buf == NULL) {
            PyErr_NoMemory();
            return NULL;
        }
        for (int k = 0; k < PAD; k++) buf[k] = NOCH;
        src_buf = buf;
        src_cap = cap;
    }
    Py_UCS4 *s = src_buf + PAD;
    for (int k = 0; k < PAD; k++) s[n + k] = NOCH;
    return s;
}

/* line[:n] copied to src_buf as UCS4 (n <= len(line)) */
static const Py_UCS4 *load_prefix(PyObject *line, Py_ssize_t n) {
    Py_UCS4 *s = src_room(n);
    if (s == NULL) return NULL;
    const void *data = PyUnicode_DATA(line);
    switch (PyUnicode_KIND(line)) {
        case PyUnicode_1BYTE_KIND:
            for (Py_ssize_t k = 0; k < n; k++) s[k] = ((const Py_UCS1 *)data)[k];
            break;
        case PyUnicode_2BYTE_KIND:
            for (Py_ssize_t k = 0; k < n; k++) s[k] = ((const Py_UCS2 *)data)[k];
            break;
        default:
            memcpy(s, data, sizeof(Py_UCS4) * (size_t)n);
            break;
    }
    return s;
}

static const Py_UCS4 *load(PyObject *line, Py_ssize_t *n) {
    *n = PyUnicode_GET_LENGTH(line);
    return load_prefix(line, *n);
}

static PyObject *to_str(const Out *o) {
    return PyUnicode_FromKindAndData(PyUnicode_4BYTE_KIND, o->buf ? o->buf : EMPTY, o->len);
}

static PyObject *py_mask(PyObject *self, PyObject *arg) {
    (void)self;
    if (!PyUnicode_Check(arg)) {
        PyErr_SetString(PyExc_TypeError, "mask() takes a str");
        return NULL;
    }
    Py_ssize_t n;
    const Py_UCS4 *s = load(arg, &n);
    if (s == NULL) return NULL;
    out_main.len = 0;
    if (mask_range(s, 0, n, &out_main) < 0) return NULL;
    return to_str(&out_main);
}

/* _LIST_RE.sub(r"\1", text): (<[A-Z]+>)(?:,\1)+ -> \1 */
static int collapse_lists(const Out *in, Out *o) {
    const Py_UCS4 *s = in->buf;
    Py_ssize_t n = in->len, p = 0, copied = 0;
    o->len = 0;
    while (p < n) {
        if (s[p] == '<') {
            Py_ssize_t k = p + 1;
            while (k < n && a_upper(s[k])) k++;
            if (k > p + 1 && k < n && s[k] == '>') {
                Py_ssize_t w = k + 1 - p, e = k + 1, reps = 0;
                while (e + 1 + w <= n && s[e] == ',' && memcmp(s + e + 1, s + p, sizeof(Py_UCS4) * (size_t)w) == 0) {
                    e += 1 + w;
                    reps++;
                }
                if (reps) {
                    if (out_range(o, s, copied, k + 1) < 0) return -1;
                    p = copied = e;
                    continue;
                }
            }
        }
        p++;
    }
    return out_range(o, s, copied, n);
}

/* " ".join(tokens) of the masked s[0:n], no JSON step: mask, collapse lists, split on whitespace, after every '='
 * and between "][", keep max_tokens, join with one space */
/* the key's characters, when they are all ASCII */
static char *key_bytes;
static Py_ssize_t key_bytes_cap;

enum { T_SPACE = 1, T_EQ = 2, T_BRACKET = 4 };
static unsigned char tok_class[128]; /* whitespace, '=', ']' */

static void init_tokens(void) {
    for (int ch = 0; ch < 128; ch++) tok_class[ch] = ascii_class[ch] & C_SPACE ? T_SPACE : 0;
    tok_class['='] = T_EQ;
    tok_class[']'] = T_BRACKET;
}

static inline unsigned tok_of(Py_UCS4 ch) { return ch < 128 ? tok_class[ch] : Py_UNICODE_ISSPACE(ch) ? T_SPACE : 0; }

/* out[k] = b[k] for k < n, b's ASCII */
static inline void narrow(const Py_UCS4 *b, Py_ssize_t n, char *out) {
    Py_ssize_t k = 0;
#if defined(__SSE2__)
    for (; k + 8 <= n; k += 8) {
        __m128i w = _mm_packs_epi32(_mm_loadu_si128((const __m128i *)(b + k)),
                                    _mm_loadu_si128((const __m128i *)(b + k + 4)));
        _mm_storel_epi64((__m128i *)(out + k), _mm_packus_epi16(w, w));
    }
#endif
    for (; k < n; k++) out[k] = (char)b[k];
}

#if defined(__SSE2__)
static char *text_bytes; /* an ASCII masked text as bytes, and 16 more */
static Py_ssize_t text_bytes_cap;

/* to[0:n] = from[0:n], 16 bytes at a time: both have 15 bytes of room past n */
static inline void copy16(char *to, const char *from, Py_ssize_t n) {
    for (Py_ssize_t k = 0; k < n; k += 16)
        _mm_storeu_si128((__m128i *)(to + k), _mm_loadu_si128((const __m128i *)(from + k)));
}

/* The key of an ASCII masked text b[0:len] (as key_of_ucs4 splits it) written to kb: its length, or -1. The
 * characters that matter to the split (whitespace, '=', ']', and, to be safe, every other control character)
 * are found 16 at a time; the runs between them are copied whole. */
static Py_ssize_t split_ascii(const Py_UCS4 *b, Py_ssize_t len, Py_ssize_t max_tokens, char *kb) {
    if (len + 16 > text_bytes_cap) {
        char *bigger = PyMem_Realloc(text_bytes, (size_t)(len + 16));
        if (bigger == NULL) {
            PyErr_NoMemory();
            return -1;
        }
        text_bytes = bigger;
        text_bytes_cap = len + 16;
    }
    char *m = text_bytes;
    narrow(b, len, m);
    memset(m + len, 'a', 16);
    const __m128i ctl = _mm_set1_epi8(0x21), eq = _mm_set1_epi8('='), rb = _mm_set1_epi8(']');
    Py_ssize_t klen = 0, tokens = 0, from = 0; /* m[from:q] is plain text, not yet written */
    int in_token = 0;
    for (Py_ssize_t block = 0; block < len; block += 16) {
        __m128i v = _mm_loadu_si128((const __m128i *)(m + block));
        unsigned bits = (unsigned)_mm_movemask_epi8(
            _mm_or_si128(_mm_cmplt_epi8(v, ctl), _mm_or_si128(_mm_cmpeq_epi8(v, eq), _mm_cmpeq_epi8(v, rb))));
        while (bits) {
            Py_ssize_t q = block + __builtin_ctz(bits);
            bits &= bits - 1;
            unsigned cls = tok_class[(unsigned char)m[q]];
            if (q > from || !(cls & T_SPACE)) { /* m[from:q+1] minus a space at q: one token's characters */
                if (!in_token) {
                    if (tokens == max_tokens) return klen;
                    if (tokens) kb[klen++] = ' ';
                    tokens++;
                    in_token = 1;
                }
                Py_ssize_t upto = cls & T_SPACE ? q : q + 1;
                copy16(kb + klen, m + from, upto - from);
                klen += upto - from;
            }
            if ((cls & (T_SPACE | T_EQ)) || ((cls & T_BRACKET) && q + 1 < len && m[q + 1] == '[')) in_token = 0;
            from = q + 1;
        }
    }
    if (from < len) {
        if (!in_token) {
            if (tokens == max_tokens) return klen;
            if (tokens) kb[klen++] = ' ';
        }
        copy16(kb + klen, m + from, len - from);
        klen += len - from;
    }
    return klen;
}
#endif

/* the masked text has ">,<" (a list _LIST_RE may collapse) */
static int has_list(const Out *m) {
    if (m->len < 3) return 0;
    const wchar_t *from = (const wchar_t *)m->buf + 1, *end = (const wchar_t *)m->buf + m->len - 1;
    for (const wchar_t *comma; from < end && (comma = wmemchr(from, L',', (size_t)(end - from))) != NULL;
         from = comma + 1)
        if (comma[-1] == L'>' && comma[1] == L'<') return 1;
    return 0;
}

/* " ".join(tokens) of the masked s[0:n], no JSON step: mask, collapse lists, split on whitespace, after every '='
 * and between "][", keep max_tokens, join with one space. `ascii`: s[0:n] is ASCII (then so is the key). */
static PyObject *key_of_ucs4(const Py_UCS4 *s, Py_ssize_t n, Py_ssize_t max_tokens, int ascii) {
    out_main.len = 0;
    if (mask_range(s, 0, n, &out_main) < 0) return NULL;
    const Out *masked = &out_main;
    if (has_list(masked)) {
        if (collapse_lists(&out_main, &out_list) < 0) return NULL;
        masked = &out_list;
    }
    const Py_UCS4 *b = masked->buf;
    Py_ssize_t len = masked->len, tokens = 0, klen = 0;
    Py_ssize_t room = 2 * len + 1; /* a boundary after "=" or "]" adds at most one space */
    if (ascii && room + 16 > key_bytes_cap) { /* split_ascii writes up to 15 bytes past the key */
        char *bigger = PyMem_Realloc(key_bytes, (size_t)(room + 16));
        if (bigger == NULL) {
            PyErr_NoMemory();
            return NULL;
        }
        key_bytes = bigger;
        key_bytes_cap = room + 16;
    }
    out_key.len = 0;
    if (!ascii && out_reserve(&out_key, room) < 0) return NULL;
    char *kb = key_bytes;
    Py_UCS4 *kw = out_key.buf;
    Py_ssize_t k = 0;
#if defined(__SSE2__)
    if (ascii) {
        klen = split_ascii(b, len, max_tokens, kb);
        if (klen < 0) return NULL;
        k = len; /* done */
    }
#endif
    while (k < len) {
        unsigned cls = tok_of(b[k]);
        if (cls & T_SPACE) {
            k++;
            continue;
        }
        if (tokens == max_tokens) break;
        /* a token: up to a space, or just after an '=' or the ']' of "][" */
        Py_ssize_t t = k;
        for (;;) {
            k++;
            if (k == len || (cls & T_EQ) || ((cls & T_BRACKET) && b[k] == '[')) break;
            cls = tok_of(b[k]);
            if (cls & T_SPACE) break;
        }
        if (ascii) {
            if (tokens) kb[klen++] = ' ';
            narrow(b + t, k - t, kb + klen);
            klen += k - t;
        } else {
            if (tokens) kw[klen++] = ' ';
            memcpy(kw + klen, b + t, sizeof(Py_UCS4) * (size_t)(k - t));
            klen += k - t;
        }
        tokens++;
    }
    if (!ascii) return PyUnicode_FromKindAndData(PyUnicode_4BYTE_KIND, kw ? kw : EMPTY, klen);
    PyObject *str = PyUnicode_New(klen, 127);
    if (str != NULL && klen) memcpy(PyUnicode_1BYTE_DATA(str), kb, (size_t)klen);
    return str;
}

/* masked_key(line[:n], max_tokens), n <= len(line): the JSON step (tokens._json_text, for a line that starts with
 * '{' and ends with '}') first, then key_of_ucs4 */
static PyObject *key_of_str(PyObject *line, Py_ssize_t n, Py_ssize_t max_tokens) {
    if (json_text != NULL && n >= 2 && PyUnicode_READ_CHAR(line, 0) == '{' && PyUnicode_READ_CHAR(line, n - 1) == '}') {
        PyObject *cut = n == PyUnicode_GET_LENGTH(line) ? Py_NewRef(line) : PyUnicode_Substring(line, 0, n);
        if (cut == NULL) return NULL;
        /* a JSON object line: tokens._json_text rewrites it as "level msg key=value ..." (None: no JSON) */
        PyObject *converted = PyObject_CallOneArg(json_text, cut);
        Py_DECREF(cut);
        if (converted == NULL) return NULL;
        if (PyUnicode_Check(converted)) {
            Py_ssize_t m;
            const Py_UCS4 *s = load(converted, &m);
            int ascii = PyUnicode_IS_ASCII(converted);
            Py_DECREF(converted);
            return s == NULL ? NULL : key_of_ucs4(s, m, max_tokens, ascii);
        }
        Py_DECREF(converted);
        if (converted != Py_None) {
            PyErr_SetString(PyExc_TypeError, "the JSON converter must return str or None");
            return NULL;
        }
    }
    const Py_UCS4 *s = load_prefix(line, n);
    return s == NULL ? NULL : key_of_ucs4(s, n, max_tokens, PyUnicode_IS_ASCII(line));
}

static int is_ascii(const char *b, Py_ssize_t n) {
    uint64_t any = 0;
    Py_ssize_t k = 0;
    for (; k + 8 <= n; k += 8) {
        uint64_t word;
        memcpy(&word, b + k, 8);
        any |= word;
    }
    for (; k < n; k++) any |= (unsigned char)b[k];
    return !(any & 0x8080808080808080ULL);
}

/* s[k] = b[k] for k < n */
static void widen(const char *b, Py_ssize_t n, Py_UCS4 *s) {
    Py_ssize_t k = 0;
#if defined(__SSE2__)
    const __m128i zero = _mm_setzero_si128();
    for (; k + 16 <= n; k += 16) {
        __m128i v = _mm_loadu_si128((const __m128i *)(b + k));
        __m128i lo = _mm_unpacklo_epi8(v, zero), hi = _mm_unpackhi_epi8(v, zero);
        _mm_storeu_si128((__m128i *)(s + k), _mm_unpacklo_epi16(lo, zero));
        _mm_storeu_si128((__m128i *)(s + k + 4), _mm_unpackhi_epi16(lo, zero));
        _mm_storeu_si128((__m128i *)(s + k + 8), _mm_unpacklo_epi16(hi, zero));
        _mm_storeu_si128((__m128i *)(s + k + 12), _mm_unpackhi_epi16(hi, zero));
    }
#endif
    for (; k < n; k++) s[k] = (unsigned char)b[k];
}

/* masked_key(first line of the message, cut to max_chars characters, max_tokens) of a message in UTF-8 (undecodable
 * bytes read as U+FFFD, as bytes.decode(errors="replace")): a line of ASCII is masked straight from its bytes */
static PyObject *key_of_utf8(const char *msg, Py_ssize_t len, Py_ssize_t max_chars, Py_ssize_t max_tokens) {
    const char *nl = memchr(msg, '\n', (size_t)len);
    Py_ssize_t n = nl ? nl - msg : len;
    PyObject *line = NULL;
    if (!is_ascii(msg, n)) {
        line = PyUnicode_DecodeUTF8(msg, n, "replace");
        if (line == NULL) return NULL;
        n = PyUnicode_GET_LENGTH(line);
    }
    if (n > max_chars) n = max_chars;
    if (line == NULL && json_text != NULL && n >= 2 && msg[0] == '{' && msg[n - 1] == '}') {
        line = PyUnicode_DecodeASCII(msg, n, NULL);
        if (line == NULL) return NULL;
    }
    if (line != NULL) {
        PyObject *key = key_of_str(line, n, max_tokens);
        Py_DECREF(line);
        return key;
    }
    Py_UCS4 *s = src_room(n);
    if (s == NULL) return NULL;
    widen(msg, n, s);
    return key_of_ucs4(s, n, max_tokens, 1);
}

/* key_of_str of a message's first line cut to max_chars characters */
static PyObject *key_of_message(PyObject *message, Py_ssize_t max_chars, Py_ssize_t max_tokens) {
    Py_ssize_t len = PyUnicode_GET_LENGTH(message);
    Py_ssize_t nl = PyUnicode_FindChar(message, '\n', 0, len, 1);
    if (nl == -2) return NULL;
    Py_ssize_t n = nl < 0 ? len : nl;
    return key_of_str(message, n < max_chars ? n : max_chars, max_tokens);
}

static int max_tokens_of(PyObject *arg, Py_ssize_t *max_tokens) {
    *max_tokens = PyLong_AsSsize_t(arg);
    if (*max_tokens == -1 && PyErr_Occurred()) return -1;
    if (*max_tokens < 0) {
        PyErr_SetString(PyExc_ValueError, "max_tokens must be >= 0");
        return -1;
    }
    return 0;
}

/* masked_key(line, max_tokens): " ".join(tokens.reference_tokenize(line, max_tokens)); the JSON step calls back
 * into tokens._json_text (set_json_text), for the lines that start with '{' and end with '}' */
static PyObject *py_masked_key(PyObject *self, PyObject *const *args, Py_ssize_t nargs) {
    (void)self;
    Py_ssize_t max_tokens;
    if (nargs != 2 || !PyUnicode_Check(args[0])) {
        PyErr_SetString(PyExc_TypeError, "masked_key(line: str, max_tokens: int)");
        return NULL;
    }
    if (max_tokens_of(args[1], &max_tokens) < 0) return NULL;
    return key_of_str(args[0], PyUnicode_GET_LENGTH(args[0]), max_tokens);
}

/* message_key(message, max_chars, max_tokens): the key _runstep.c's step (message: UTF-8 bytes) and one (a str)
 * take of a message, masked_key(first line cut to max_chars characters, max_tokens), through MaskAPI */
static PyObject *py_message_key(PyObject *self, PyObject *const *args, Py_ssize_t nargs) {
    (void)self;
    Py_ssize_t max_tokens, max_chars;
    if (nargs != 3 || !(PyUnicode_Check(args[0]) || PyBytes_Check(args[0]))) {
        PyErr_SetString(PyExc_TypeError, "message_key(message: str | bytes, max_chars: int, max_tokens: int)");
        return NULL;
    }
    max_chars = PyLong_AsSsize_t(args[1]);
    if (max_chars == -1 && PyErr_Occurred()) return NULL;
    if (max_tokens_of(args[2], &max_tokens) < 0) return NULL;
    if (max_chars < 0) {
        PyErr_SetString(PyExc_ValueError, "max_chars must be >= 0");
        return NULL;
    }
    if (PyBytes_Check(args[0]))
        return key_of_utf8(PyBytes_AS_STRING(args[0]), PyBytes_GET_SIZE(args[0]), max_chars, max_tokens);
    return key_of_message(args[0], max_chars, max_tokens);
}

static PyObject *py_set_json_text(PyObject *self, PyObject *arg) {
    (void)self;
    if (!PyCallable_Check(arg)) {
        PyErr_SetString(PyExc_TypeError, "set_json_text() takes a callable");
        return NULL;
    }
    Py_INCREF(arg);
    Py_XSETREF(json_text, arg);
    Py_RETURN_NONE;
}

static PyMethodDef methods[] = {
    {"set_json_text", py_set_json_text, METH_O,
     "set_json_text(f): masked_key() rewrites a line that starts with '{' and ends with '}' as f(line) first "
     "(unless f returns None)"},
    {"mask", py_mask, METH_O, "mask(line) -> the line with its variable parts replaced by <KIND> placeholders"},
    {"masked_key", (PyCFunction)(void (*)(void))py_masked_key, METH_FASTCALL,
     "masked_key(line, max_tokens) -> ' '.join(tokenize(line, max_tokens))"},
    {"message_key", (PyCFunction)(void (*)(void))py_message_key, METH_FASTCALL,
     "message_key(message, max_chars, max_tokens) -> masked_key(its first line[:max_chars], max_tokens), as "
     "_runstep's step (message: UTF-8 bytes) and one (a str) take it"},
    {NULL, NULL, 0, NULL},
};

static struct PyModuleDef module = {PyModuleDef_HEAD_INIT, "_mask", "C twin of tokens.mask (see tokens.py)", -1,
                                    methods, NULL, NULL, NULL, NULL};

static MaskAPI api;

PyMODINIT_FUNC PyInit__mask(void) {
    init_classes();
    init_seen();
    init_tokens();
    init_placeholders();
    PyObject *m = PyModule_Create(&module);
    if (m == NULL) return NULL;
    api.masked_key = PyObject_GetAttrString(m, "masked_key"); /* kept for the process's life, as the capsule */
    api.key_of_utf8 = key_of_utf8;
    api.key_of_message = key_of_message;
    PyObject *capsule = api.masked_key == NULL ? NULL : PyCapsule_New(&api, MASK_API_CAPSULE, NULL);
    if (capsule == NULL || PyModule_AddObject(m, "_C_API", capsule) < 0) {
        Py_XDECREF(capsule);
        Py_DECREF(m);
        return NULL;
    }
    return m;
}
