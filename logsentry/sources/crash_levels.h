/*
 * crash_levels.h: step 0 of levels.h, the headers a language runtime prints when an exception or panic
 * nobody caught ends a thread or the process (CPython's traceback, the JVM's uncaught exception, Rust's
 * panic, .NET's unhandled exception, Node's fatal exception report).
 *
 * The twin of logsentry/engine/crash_levels.py, which documents each header and where it comes from;
 * tests/test_levels.py holds the two to the same answer. Included by levels.h after its helpers
 * (lv_starts, lv_run, lv_alpha, ...), which this file uses.
 */
#ifndef LOGSENTRY_CRASH_LEVELS_H
#define LOGSENTRY_CRASH_LEVELS_H

/* the headers' and exception names' first characters (CRASH_HEADERS) */
static int lv_crash_first(unsigned char c) { return lv_alpha(c) || c == '_' || c == '$' || c == '/'; }
#define LV_CRIT 2
#define LV_ERR 3

/* the first line ends at `at` */
static int lv_eol(const unsigned char *p, size_t n, size_t at) { return at >= n || p[at] == '\n'; }

static int lv_not_dquote(unsigned char c) { return c >= 0x20 && c <= 0x7e && c != '"'; }
static int lv_not_squote(unsigned char c) { return c >= 0x20 && c <= 0x7e && c != '\''; }
static int lv_java_char(unsigned char c) { return lv_alnum(c) || c == '_' || c == '$' || c == '.'; }
static int lv_dotnet_char(unsigned char c) { return lv_alnum(c) || c == '_' || c == '.' || c == '`' || c == '+'; }
static int lv_module_char(unsigned char c) { return lv_alnum(c) || c == '_' || c == '/' || c == '.' || c == '-'; }
static int lv_printable(unsigned char c) { return c >= 0x21 && c <= 0x7e; }
static int lv_is_digit(unsigned char c) { return lv_digit(c); }
static int lv_suffix_char(unsigned char c) { return lv_alnum(c) || c == '_' || c == '.'; }

/* digits (at least one) then the end of the first line */
static int lv_digits_eol(const unsigned char *p, size_t n, size_t at) {
    size_t end = lv_run(p, n, at, lv_is_digit);
    return end > at && lv_eol(p, n, end);
}

/* Node.js: node:MODULE:LINE, Node.js vX.Y.Z[-tag], [file://]/PATH.{js,mjs,cjs}:LINE, each the whole line */
static int lv_node(const unsigned char *p, size_t n) {
    size_t at;
    if (lv_starts(p, n, 0, "node:")) {
        at = lv_run(p, n, 5, lv_module_char);
        return at > 5 && at < n && p[at] == ':' && lv_digits_eol(p, n, at + 1);
    }
    if (lv_starts(p, n, 0, "Node.js v")) {
        at = 9;
        for (int part = 0; part < 3; part++) {
            size_t end = lv_run(p, n, at, lv_is_digit);
            if (end == at)
                return 0;
            at = end;
            if (part < 2) {
                if (at >= n || p[at] != '.')
                    return 0;
                at++;
            }
        }
        if (at < n && p[at] == '-') {
            size_t end = lv_run(p, n, at + 1, lv_suffix_char);
            if (end == at + 1)
                return 0;
            at = end;
        }
        return lv_eol(p, n, at);
    }
    size_t start = lv_starts(p, n, 0, "file://") ? 7 : 0;
    if (start >= n || p[start] != '/')
        return 0;
    size_t end = lv_run(p, n, start, lv_printable);
    if (!lv_eol(p, n, end))
        return 0;
    size_t i = end; /* back over the line number, then ".js:", ".mjs:" or ".cjs:" */
    while (i > start && lv_digit(p[i - 1]))
        i--;
    if (i == end || i - start < 5 || p[i - 1] != ':' || p[i - 2] != 's' || p[i - 3] != 'j')
        return 0;
    i -= 3;
    return p[i - 1] == '.' || (i - start >= 3 && (p[i - 1] == 'm' || p[i - 1] == 'c') && p[i - 2] == '.');
}

/* The JVM's uncaught exception: CRIT for "main", ERR for another thread, -1 for no such header */
static int lv_java(const unsigned char *p, size_t n) {
    if (!lv_starts(p, n, 0, "Exception in thread \""))
        return -1;
    size_t name = 21, end = lv_run(p, n, name, lv_not_dquote);
    if (!lv_starts(p, n, end, "\" ") || end + 2 >= n ||
        !(lv_alpha(p[end + 2]) || p[end + 2] == '_' || p[end + 2] == '$'))
        return -1;
    size_t at = lv_run(p, n, end + 2, lv_java_char);
    if (!(lv_eol(p, n, at) || p[at] == ':'))
        return -1;
    return end - name == 4 && memcmp(p + name, "main", 4) == 0 ? LV_CRIT : LV_ERR;
}

/* Rust's panic hook: CRIT for 'main' or a stack overflow, ERR for another thread's panic, -1 for none */
static int lv_rust(const unsigned char *p, size_t n) {
    if (!lv_starts(p, n, 0, "thread '"))
        return -1;
    size_t name = 8, end = lv_run(p, n, name, lv_not_squote);
    if (end >= n || p[end] != '\'')
        return -1;
    size_t at = end + 1;
    if (lv_starts(p, n, at, " (")) {
        size_t close = lv_run(p, n, at + 2, lv_is_digit);
        if (close == at + 2 || close >= n || p[close] != ')')
            return -1;
        at = close + 1;
    }
    if (lv_starts(p, n, at, " has overflowed its stack") && lv_eol(p, n, at + 25))
        return LV_CRIT;
    if (!lv_starts(p, n, at, " panicked at ") || lv_eol(p, n, at + 13))
        return -1;
    return end - name == 4 && memcmp(p + name, "main", 4) == 0 ? LV_CRIT : LV_ERR;
}

/* .NET's unhandled exception: CRIT, -1 for none */
static int lv_dotnet(const unsigned char *p, size_t n) {
    if (!lv_starts(p, n, 0, "Unhandled exception. ") && !lv_starts(p, n, 0, "Unhandled Exception: "))
        return -1;
    if (n <= 21 || !(lv_alpha(p[21]) || p[21] == '_'))
        return -1;
    size_t at = lv_run(p, n, 21, lv_dotnet_char);
    return lv_eol(p, n, at) || p[at] == ':' ? LV_CRIT : -1;
}

static int lv_ident_char(unsigned char c) { return lv_alnum(c) || c == '_' || c == '$'; }

/* _EXCEPTION: [Caused by: ]a.b.SomeError then ": " or [":"] the end of the first line: ERR, else -1 */
static int lv_exception(const unsigned char *p, size_t n) {
    size_t start = lv_starts(p, n, 0, "Caused by: ") ? 11 : 0, at = start, last = start;
    for (;;) { /* dotted identifiers, each starting with a letter, _ or $ */
        if (at >= n || !(lv_alpha(p[at]) || p[at] == '_' || p[at] == '$'))
            return -1;
        last = at;
        at = lv_run(p, n, at, lv_ident_char);
        if (at < n && p[at] == '.') {
            at++;
            continue;
        }
        break;
    }
    size_t len = at - last;
    if (!(p[last] >= 'A' && p[last] <= 'Z') ||
        !((len >= 5 && memcmp(p + at - 5, "Error", 5) == 0) || (len >= 9 && memcmp(p + at - 9, "Exception", 9) == 0)))
        return -1;
    if (lv_eol(p, n, at))
        return LV_ERR;
    if (p[at] != ':')
        return -1;
    return lv_eol(p, n, at + 1) || p[at + 1] == ' ' ? LV_ERR : -1;
}

/* _crash_level: the level of a runtime's uncaught-exception or panic header, or of an exception line, at the
   start */
static int lv_crash(const unsigned char *p, size_t n) {
    int level = -1;
    switch (p[0]) {
    case 'T':
        if (lv_starts(p, n, 0, "Traceback (most recent call last):") && lv_eol(p, n, 34))
            return LV_ERR;
        break;
    case 'E':
        level = lv_java(p, n);
        break;
    case 't':
        level = lv_rust(p, n);
        break;
    case 'U':
        level = lv_dotnet(p, n);
        break;
    }
    if (level >= 0)
        return level;
    if (lv_starts(p, n, 0, "Fatal Python error: ") || lv_starts(p, n, 0, "fatal runtime error: "))
        return LV_CRIT;
    if ((p[0] == 'n' || p[0] == 'N' || p[0] == 'f' || p[0] == '/') && lv_node(p, n))
        return LV_CRIT;
    return p[0] != '/' ? lv_exception(p, n) : -1;
}

#endif
