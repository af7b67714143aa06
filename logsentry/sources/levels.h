/*
 * levels.h: the level a program wrote into its own line, in C for the journal scanner (_journalscan.c).
 *
 * The twin of logsentry/engine/levels.py, which is the reference: it documents the grammar, which program
 * writes which format, and where each format comes from. This file follows it step by step, in the same
 * order and with the same names; tests/test_levels.py holds the two to the same answer on a corpus of real
 * lines and on generated ones. Only ASCII bytes decide anything, so reading the raw (UTF-8 or not) bytes
 * here gives the answer Python gives on the decoded text.
 *
 * text_level(p, n) returns 0..7, or -1 for "no level in the text". It never reads outside p[0..n).
 */
#ifndef LOGSENTRY_LEVELS_H
#define LOGSENTRY_LEVELS_H

#include <stddef.h>
#include <string.h>

#define LV_MAX_PREFIX 200 /* the level token starts within this many bytes (a prefix is all ASCII) */
#define LV_MAX_BRACKET 128

static inline int lv_upper(unsigned char c) { return c >= 'A' && c <= 'Z'; }
static inline int lv_lower(unsigned char c) { return c >= 'a' && c <= 'z'; }
static inline int lv_alpha(unsigned char c) { return lv_upper(c) || lv_lower(c); }
static inline int lv_digit(unsigned char c) { return c >= '0' && c <= '9'; }
static inline int lv_alnum(unsigned char c) { return lv_alpha(c) || lv_digit(c); }
/* printable ASCII but space, [ and ] (a timestamp or number goes on) */
static inline int lv_graphic(unsigned char c) { return c >= 0x21 && c <= 0x7e && c != '[' && c != ']'; }
/* a bracket group's content: printable ASCII but [ and ] */
static inline int lv_bracketed(unsigned char c) { return c >= 0x20 && c <= 0x7e && c != '[' && c != ']'; }
static inline int lv_json_space(unsigned char c) { return c == ' ' || c == '\t' || c == '\r' || c == '\n'; }

static int lv_starts(const unsigned char *p, size_t n, size_t at, const char *text) {
    size_t len = strlen(text);
    return at <= n && n - at >= len && memcmp(p + at, text, len) == 0;
}

/* lv_starts, ASCII letters in any case (`text` in lower case) */
#define LV_NO_COLOUR ((size_t)-1)
/* The index after one SGR colour escape at `at` (`ESC [` then 1 to 12 digits or `;`, then `m`), `at` itself when
 * none is there, LV_NO_COLOUR for an escape that is no colour (a program's coloured level: program_levels.h,
 * app_levels.h). */
static size_t lv_skip_colour(const unsigned char *p, size_t n, size_t at) {
    if (at >= n || p[at] != 0x1b)
        return at;
    if (!lv_starts(p, n, at, "\x1b["))
        return LV_NO_COLOUR;
    size_t start = at + 2, e = start;
    while (e < n && e - start < 13 && (lv_digit(p[e]) || p[e] == ';'))
        e++;
    if (e == start || e - start > 12 || e >= n || p[e] != 'm')
        return LV_NO_COLOUR;
    return e + 1;
}

static int lv_starts_folded(const unsigned char *p, size_t n, size_t at, const char *text) {
    size_t len = strlen(text);
    if (at > n || n - at < len)
        return 0;
    for (size_t i = 0; i < len; i++)
        if ((lv_upper(p[at + i]) ? p[at + i] + 32 : p[at + i]) != (unsigned char)text[i])
            return 0;
    return 1;
}

static int lv_contains(const unsigned char *p, size_t n, const char *text) {
    return memmem(p, n, text, strlen(text)) != NULL;
}

/* LEVEL_WORDS, compared case-insensitively (the casing is checked by lv_word_level) */
static const struct {
    const char *word;
    int level;
} LV_WORDS[] = {
    {"emerg", 0}, {"emergency", 0}, {"panic", 0}, {"pnc", 0},
    {"alert", 1},
    {"crit", 2}, {"critical", 2}, {"fatal", 2}, {"ftl", 2},
    {"err", 3}, {"error", 3}, {"eror", 3}, {"severe", 3}, /* JUL's SEVERE: SLF4J's bridge maps it to ERROR */
    {"warn", 4}, {"warning", 4}, {"wrn", 4},
    {"notice", 5}, {"note", 5},
    {"info", 6}, {"information", 6}, {"informational", 6}, {"inf", 6}, {"log", 6},
    {"debug", 7}, {"dbug", 7}, {"dbg", 7}, {"trace", 7}, {"trc", 7}, {"verbose", 7}, {"fine", 7},
    {"finer", 7}, {"finest", 7},
    /* java.util.logging's localised names (level_words.py) */
    {"grave", 3}, {"schwerwiegend", 3}, {"avertissement", 4}, {"warnung", 4}, {"advertencia", 4}, {"avvertenza", 4},
    {"infos", 6},
};

static int lv_lookup(const unsigned char *w, size_t len) {
    if (len == 0 || len > 13)
        return -1;
    char lower[14];
    for (size_t i = 0; i < len; i++)
        lower[i] = (char)(lv_upper(w[i]) ? w[i] + 32 : w[i]);
    for (size_t i = 0; i < sizeof LV_WORDS / sizeof LV_WORDS[0]; i++)
        if (strlen(LV_WORDS[i].word) == len && memcmp(LV_WORDS[i].word, lower, len) == 0)
            return LV_WORDS[i].level;
    /* NUMBERED: debug1..8, trace1..8 */
    if (len == 6 && w[5] >= '1' && w[5] <= '8' &&
        (memcmp(lower, "debug", 5) == 0 || memcmp(lower, "trace", 5) == 0))
        return 7;
    return -1;
}

/* word_level: w is [A-Za-z][A-Za-z0-9]*. ERROR always; Error and error only when any_case. */
static int lv_word_level(const unsigned char *w, size_t len, int any_case) {
    if (len == 0)
        return -1;
    int upper = 0, lower = 0, rest_upper = 0, rest_lower = 0;
    for (size_t i = 0; i < len; i++) {
        upper |= lv_upper(w[i]);
        lower |= lv_lower(w[i]);
        if (i) {
            rest_upper |= lv_upper(w[i]);
            rest_lower |= lv_lower(w[i]);
        }
    }
    int all_upper = upper && !lower;
    int all_lower = lower && !upper;
    int capitalised = lv_upper(w[0]) && rest_lower && !rest_upper;
    if (!(all_upper || (any_case && (all_lower || capitalised))))
        return -1;
    return lv_lookup(w, len);
}

/* a whole value that is one word ([A-Za-z][A-Za-z0-9]*), any casing */
static int lv_value_level(const unsigned char *v, size_t len) {
    if (len == 0 || !lv_alpha(v[0]))
        return -1;
    for (size_t i = 1; i < len; i++)
        if (!lv_alnum(v[i]))
            return -1;
    return lv_word_level(v, len, 1);
}

/* the end of the run of bytes from `at` that `in` accepts */
static size_t lv_run(const unsigned char *p, size_t n, size_t at, int (*in)(unsigned char)) {
    while (at < n && in(p[at]))
        at++;
    return at;
}

static size_t lv_word_end(const unsigned char *p, size_t n, size_t at) {
    while (at < n && lv_alnum(p[at]))
        at++;
    return at;
}

/* ---- 3. fixed formats at the start (and MongoDB's JSON shape, which step 2 uses) ---- */

#include "format_levels.h"

/* ---- 2. JSON ---- */

static const char *const LV_JSON_KEYS[] = {"level", "Level", "lvl", "severity", "Severity", "loglevel",
                                           "log_level", "log.level", "levelname", "level_name", "@l",
                                           "LogLevel", "error_severity"};
static const char *const LV_QUOTED_JSON_KEYS[] = {"\"level\"", "\"Level\"", "\"lvl\"", "\"severity\"",
                                                  "\"Severity\"", "\"loglevel\"", "\"log_level\"",
                                                  "\"log.level\"", "\"levelname\"", "\"level_name\"", "\"@l\"",
                                                  "\"LogLevel\"", "\"error_severity\""};
#define LV_N_JSON_KEYS (sizeof LV_JSON_KEYS / sizeof LV_JSON_KEYS[0])

/* a level of 0..7 by the object's schema (structured_levels.SMALL_SCALES): GELF's syslog levels, Nextcloud's
   0 DEBUG .. 4 FATAL; -1 for another number */
static int lv_json_small(int schema, int n) {
    static const int nextcloud[] = {7, 6, 4, 3, 2};
    if (schema == 1)
        return n >= 0 && n <= 7 ? n : -1;
    if (schema == 2)
        return n >= 0 && n <= 4 ? nextcloud[n] : -1;
    return -1;
}

/* the schema a top-level key names: 1 GELF (short_message), 2 Nextcloud/ownCloud (reqId), 0 none */
static int lv_json_schema(const unsigned char *key, size_t key_len) {
    if (key_len == 13 && memcmp(key, "short_message", 13) == 0)
        return 1;
    if (key_len == 5 && memcmp(key, "reqId", 5) == 0)
        return 2;
    return 0;
}

static int lv_json_number(int n) {
    switch (n) {
    case 10: case 20: return 7; /* pino, bunyan */
    case 30: return 6;
    case 40: return 4;
    case 50: return 3;
    case 60: return 2;
    case 100: return 7; /* Monolog */
    case 200: return 6;
    case 250: return 5;
    case 300: return 4;
    case 400: return 3;
    case 500: return 2;
    case 550: return 1;
    case 600: return 0;
    }
    return -1;
}

/* the end of the JSON string starting at p[at] == '"' (after its closing quote), or 0 when unterminated */
static size_t lv_json_string_end(const unsigned char *p, size_t n, size_t at) {
    for (size_t i = at + 1; i < n; i++) {
        if (p[i] == '\\') {
            if (++i >= n)
                return 0;
        } else if (p[i] == '"') {
            return i + 1;
        }
    }
    return 0;
}

/* _skip_json_value: where the value at `at` ends, or (size_t)-1 */
static size_t lv_skip_json_value(const unsigned char *p, size_t n, size_t at) {
    if (at < n && p[at] == '"') {
        size_t end = lv_json_string_end(p, n, at);
        return end ? end : (size_t)-1;
    }
    if (at < n && (p[at] == '[' || p[at] == '{')) {
        size_t depth = 0;
        for (size_t i = at; i < n; i++) {
            unsigned char c = p[i];
            if (c == '"') {
                size_t end = lv_json_string_end(p, n, i);
                if (!end)
                    return (size_t)-1;
                i = end - 1;
            } else if (c == '[' || c == '{') {
                depth++;
            } else if (c == ']' || c == '}') {
                if (--depth == 0)
                    return i + 1;
            }
        }
        return (size_t)-1;
    }
    while (at < n && !lv_json_space(p[at]) && p[at] != ',' && p[at] != '}' && p[at] != ']')
        at++;
    return at;
}

#define LV_KIBANA_JSON_START "{\"type\":\"log\",\"@timestamp\":\"" /* structured_levels.KIBANA_JSON_START */

/* Kibana's `"type":"log"` line: the level of the first of its tags that is one (structured_levels.kibana_json_level:
 * `{"type":"log","@timestamp":"...","tags":["error","elasticsearch-service"],...`), or -1 */
static int lv_kibana_json(const unsigned char *p, size_t n) {
    static const struct {
        const char *name;
        int level;
    } LEVELS[] = {{"fatal", 2}, {"error", 3}, {"err", 3},   {"warning", 4},
                  {"warn", 4},  {"info", 6},  {"debug", 7}, {"trace", 7}};
    size_t at = strlen(LV_KIBANA_JSON_START);
    while (at < n && p[at] != '"' && p[at] != '\\')
        at++;
    if (!lv_starts(p, n, at, "\",\"tags\":["))
        return -1;
    at += 10;
    int level = -1;
    if (lv_starts(p, n, at, "]"))
        return -1;
    for (;;) {
        if (!lv_starts(p, n, at, "\""))
            return -1;
        size_t tag = ++at;
        while (at < n && p[at] != '"' && p[at] != '\\')
            at++;
        if (at >= n || p[at] != '"')
            return -1;
        for (size_t k = 0; level < 0 && k < sizeof LEVELS / sizeof LEVELS[0]; k++)
            if (strlen(LEVELS[k].name) == at - tag && memcmp(LEVELS[k].name, p + tag, at - tag) == 0)
                level = LEVELS[k].level;
        at++;
        if (lv_starts(p, n, at, "]"))
            return level;
        if (!lv_starts(p, n, at, ","))
            return -1;
        at++;
    }
}

static int lv_json_level(const unsigned char *p, size_t n) {
    size_t last = n;
    while (last > 0 && lv_json_space(p[last - 1]))
        last--;
    if (last == 0 || p[last - 1] != '}')
        return -1;
    if (lv_starts(p, n, 0, LV_MONGO_JSON_START)) {
        int level = lv_mongo_json(p, n);
        if (level >= 0)
            return level;
    }
    if (lv_starts(p, n, 0, LV_KIBANA_JSON_START)) {
        int level = lv_kibana_json(p, n);
        if (level >= 0)
            return level;
    }
    int any = 0;
    for (size_t k = 0; k < LV_N_JSON_KEYS && !any; k++)
        any = lv_contains(p, n, LV_QUOTED_JSON_KEYS[k]);
    if (!any)
        return -1;
    size_t at = 1;
    int small = -1; /* a level of 0..7, waiting for the key that says whose scale it is */
    int schema = 0;
    for (;;) {
        while (at < n && lv_json_space(p[at]))
            at++;
        if (at >= n || p[at] != '"')
            return -1;
        size_t key_end = lv_json_string_end(p, n, at);
        if (!key_end)
            return -1;
        const unsigned char *key = p + at + 1;
        size_t key_len = key_end - at - 2;
        at = key_end;
        while (at < n && lv_json_space(p[at]))
            at++;
        if (at >= n || p[at] != ':')
            return -1;
        at++;
        while (at < n && lv_json_space(p[at]))
            at++;
        if (schema == 0) {
            schema = lv_json_schema(key, key_len);
            if (schema && small >= 0)
                return lv_json_small(schema, small);
        }
        int is_level_key = 0;
        for (size_t k = 0; k < LV_N_JSON_KEYS && !is_level_key && small < 0; k++)
            is_level_key = strlen(LV_JSON_KEYS[k]) == key_len && memcmp(LV_JSON_KEYS[k], key, key_len) == 0;
        if (is_level_key) {
            if (at < n && p[at] == '"') {
                size_t end = lv_json_string_end(p, n, at);
                if (end && key_len == 14 && memcmp(key, "error_severity", 14) == 0) { /* PostgreSQL's jsonlog */
                    if (end - at - 2 == 5 && memcmp(p + at + 1, "FATAL", 5) == 0)
                        return 3;
                    if (end - at - 2 == 5 && memcmp(p + at + 1, "PANIC", 5) == 0)
                        return 2;
                }
                return end ? lv_value_level(p + at + 1, end - at - 2) : -1;
            }
            size_t digits = 0;
            int value = 0;
            while (at + digits < n && lv_digit(p[at + digits]) && digits < 5)
                value = value * 10 + (p[at + digits++] - '0');
            if (digits == 0 || digits > 4)
                return -1;
            size_t after = at + digits;
            if (after < n && !lv_json_space(p[after]) && p[after] != ',' && p[after] != '}')
                return -1;
            if (value > 7)
                return lv_json_number(value);
            if (schema)
                return lv_json_small(schema, value);
            small = value;
        }
        at = lv_skip_json_value(p, n, at);
        if (at == (size_t)-1)
            return -1;
        while (at < n && lv_json_space(p[at]))
            at++;
        if (at >= n || p[at] == '}' || p[at] != ',')
            return -1;
        at++;
    }
}

/* ---- 4. logfmt ---- */

static const char *const LV_LOGFMT_KEYS[] = {"level", "lvl", "severity", "loglevel", "log_level", "log.level"};

static int lv_key_char(unsigned char c) { return lv_alnum(c) || c == '_' || c == '.' || c == '-'; }

/* one `key=value` pair at `at` (then blanks or the end): 1 and its parts, or 0 */
static int lv_logfmt_pair(const unsigned char *p, size_t n, size_t at, size_t *key_len, size_t *value_at,
                          size_t *value_len, size_t *next) {
    if (at >= n || !(lv_alpha(p[at]) || p[at] == '_'))
        return 0;
    size_t i = at + 1;
    while (i < n && lv_key_char(p[i]))
        i++;
    if (i >= n || p[i] != '=')
        return 0;
    *key_len = i - at;
    i++;
    *value_at = i;
    if (i < n && p[i] == '"') {
        size_t end = lv_json_string_end(p, n, i); /* the same quoting: backslash escapes anything */
        if (!end)
            return 0;
        i = end;
    } else {
        while (i < n && p[i] != ' ' && p[i] != '\t' && p[i] != '"')
            i++;
    }
    *value_len = i - *value_at;
    if (i < n && p[i] != ' ' && p[i] != '\t')
        return 0;
    while (i < n && (p[i] == ' ' || p[i] == '\t'))
        i++;
    *next = i;
    return 1;
}

static int lv_logfmt_level(const unsigned char *p, size_t n) {
    size_t at = 0;
    while (at < n) {
        size_t key_len, value_at, value_len, next;
        if (!lv_logfmt_pair(p, n, at, &key_len, &value_at, &value_len, &next))
            return -1;
        for (size_t k = 0; k < sizeof LV_LOGFMT_KEYS / sizeof LV_LOGFMT_KEYS[0]; k++) {
            if (strlen(LV_LOGFMT_KEYS[k]) == key_len && memcmp(LV_LOGFMT_KEYS[k], p + at, key_len) == 0) {
                const unsigned char *v = p + value_at;
                size_t len = value_len;
                if (len >= 2 && v[0] == '"') {
                    v++;
                    len -= 2;
                }
                return lv_value_level(v, len);
            }
        }
        at = next;
    }
    return -1;
}

/* ---- 0. runtime crash headers (lv_crash: after the helpers above, which it uses) ---- */

#include "crash_levels.h"

/* ---- 5. a level after the program's own prefix ---- */

static int lv_bracket_level(const unsigned char *c, size_t len) {
    /* Phusion Passenger's "[ N 2020-08-20 07:15:48.4685 3391/T8 file:line ]": a blank, the level's marker (C, E, W,
       N, I, D, D2, D3), a blank, a year-first date (_PASSENGER, _PASSENGER_LEVELS) */
    if (len > 2 && c[0] == ' ') {
        size_t m = c[1] == 'D' && (c[2] == '2' || c[2] == '3') ? 3 : 2;
        if (len > m + 5 && c[m] == ' ' && lv_digit(c[m + 1]) && lv_digit(c[m + 2]) && lv_digit(c[m + 3])
                && lv_digit(c[m + 4]) && c[m + 5] == '-') {
            switch (c[1]) {
            case 'C': return 2;
            case 'E': return 3;
            case 'W': return 4;
            case 'N': return 5;
            case 'I': return 6;
            case 'D': return 7;
            }
        }
    }
    /* Tornado's and traitlets' "[E <date> <time> ...": the level's first letter (_LETTER_LEVELS, _LETTER_BRACKET) */
    size_t date_end = 3;
    while (date_end < len && c[date_end] != ' ')
        date_end++;
    if (len > 2 && c[1] == ' ' && lv_digit(c[2]) && date_end + 1 < len && lv_digit(c[date_end + 1])) {
        switch (c[0]) {
        case 'D': return 7;
        case 'I': return 6;
        case 'W': return 4;
        case 'E': return 3;
        case 'C': return 2;
        }
    }
    /* RabbitMQ 3.9+'s four-letter levels, lower case, alone in the brackets (_RABBITMQ_LEVELS) */
    if (len == 4 && memcmp(c, "erro", 4) == 0)
        return 3;
    if (len == 4 && memcmp(c, "noti", 4) == 0)
        return 5;
    if (len == 4 && memcmp(c, "debu", 4) == 0)
        return 7;
    /* stripped of spaces: one alphanumeric word */
    size_t a = 0, b = len;
    while (a < b && c[a] == ' ')
        a++;
    while (b > a && c[b - 1] == ' ')
        b--;
    if (a < b) {
        size_t i = a;
        while (i < b && lv_alnum(c[i]))
            i++;
        if (i == b)
            return lv_alpha(c[a]) ? lv_word_level(c + a, b - a, 1) : -1;
    }
    /* Apache: [A-Za-z0-9_]*:[A-Za-z][A-Za-z0-9]* */
    size_t i = 0;
    while (i < len && (lv_alnum(c[i]) || c[i] == '_'))
        i++;
    if (i < len && c[i] == ':' && i + 1 < len && lv_alpha(c[i + 1])) {
        size_t w = i + 1, e = lv_word_end(c, len, w);
        if (e == len)
            return lv_word_level(c + w, e - w, 1);
    }
    /* digit-led parts, then a word ending its part or followed by / or : */
    size_t at = 0, parts = 0;
    for (;;) {
        while (at < len && c[at] == ' ')
            at++;
        if (at >= len)
            return -1;
        if (!lv_digit(c[at]))
            break;
        while (at < len && c[at] != ' ')
            at++;
        parts++;
    }
    if (parts == 0 || !lv_alpha(c[at]))
        return -1;
    size_t e = lv_word_end(c, len, at);
    if (e < len && c[e] != ' ' && c[e] != '/' && c[e] != ':')
        return -1;
    return lv_word_level(c + at, e - at, e < len && c[e] == ':');
}

static const struct {
    const char *phrase;
    int level;
} LV_PHP[] = {
    {"Fatal error", 2}, {"Parse error", 3}, {"Recoverable fatal error", 3}, {"Catchable fatal error", 3},
    {"Warning", 4}, {"Notice", 5}, {"Deprecated", 5}, {"Strict Standards", 5},
};

static int lv_name_char(unsigned char c) { return lv_alnum(c) || c == '_' || c == '.' || c == ':' || c == '-'; }
static int lv_user_char(unsigned char c) { return lv_alnum(c) || c == '_' || c == '.' || c == '-'; }
static int lv_ends_word(unsigned char c) {
    return c == ' ' || c == '\t' || c == ':' || c == '[' || c == ']' || c == '/' || c == 0x1b;
}

static int lv_space(unsigned char c) { return c == ' '; }

static int lv_source_char(unsigned char c) {
    return lv_alnum(c) || c == '_' || c == '.' || c == ':' || c == '@' || c == '/' || c == '-';
}

/* a tab, or two blanks or more: where the gap after `at` ends, or 0 */
static size_t lv_column_gap(const unsigned char *p, size_t n, size_t at) {
    if (at < n && p[at] == '\t')
        return at + 1;
    size_t end = lv_run(p, n, at, lv_space);
    return end >= at + 2 ? end : 0;
}

static int lv_place_char(unsigned char c) { return lv_alnum(c) || c == '_' || c == '.' || c == '/' || c == '-'; }
static int lv_func_char(unsigned char c) { return lv_alnum(c) || c == '_' || c == ':' || c == '~'; }

/* _CODE_PLACE: "file.cpp:303:func(): " (ProxySQL's proxy_error): where it ends, or 0 */
static size_t lv_code_place(const unsigned char *p, size_t n, size_t at) {
    size_t end = lv_run(p, n, at, lv_place_char), dot = end;
    while (dot > at && p[dot - 1] != '.')
        dot--;
    if (dot <= at + 1 || dot - 1 - at > 120 || end >= n || p[end] != ':')
        return 0;
    size_t ext = end - dot; /* c, cc, cpp, cxx, h, hpp */
    const unsigned char *e = p + dot;
    if (!((ext == 1 && (e[0] == 'c' || e[0] == 'h')) || (ext == 2 && memcmp(e, "cc", 2) == 0) ||
          (ext == 3 && (memcmp(e, "cpp", 3) == 0 || memcmp(e, "cxx", 3) == 0 || memcmp(e, "hpp", 3) == 0))))
        return 0;
    size_t line = end + 1, digits = lv_run(p, n, line, lv_digit);
    if (digits == line || digits - line > 6 || digits >= n || p[digits] != ':')
        return 0;
    size_t func = digits + 1;
    if (func >= n || !(lv_alpha(p[func]) || p[func] == '_' || p[func] == '~'))
        return 0;
    size_t close = lv_run(p, n, func + 1, lv_func_char);
    if (close - func - 1 > 120 || !lv_starts(p, n, close, "(): "))
        return 0;
    return close + 4;
}

/* _SOURCE_LEVEL: a source's name, a gap, a level word, a gap (Prosody's file log): the level, or (size_t)-1 */
static size_t lv_source_level(const unsigned char *p, size_t n, size_t at) {
    size_t name = lv_run(p, n, at, lv_source_char);
    if (name == at)
        return (size_t)-1;
    size_t word = lv_column_gap(p, n, name);
    if (!word)
        return (size_t)-1;
    size_t end = lv_run(p, n, word, lv_alpha);
    if (end == word || !lv_column_gap(p, n, end))
        return (size_t)-1;
    int level = lv_word_level(p + word, end - word, 1);
    return level < 0 ? (size_t)-1 : (size_t)level;
}

/* _IDENT: name[pid] or name[pid:tid], then ':' or not, then a blank; or a name padded with blanks before
   [pid] and ':' (Python logging's %(name)-24s[%(process)d]:, fail2ban's), when `padding` (not the line's first
   token: _PADDED_IDENT): where it ends (before the blank), or 0 */
static size_t lv_ident(const unsigned char *p, size_t n, size_t at, int padding) {
    size_t name = at;
    at = lv_run(p, n, at, lv_user_char);
    int padded = 0;
    if (padding && at > name && at < n && p[at] == ' ') {
        size_t blanks = lv_run(p, n, at, lv_space);
        if (blanks < n && p[blanks] == '[') {
            at = blanks;
            padded = 1;
        }
    }
    if (at >= n || p[at] != '[')
        return 0;
    size_t pid = lv_digits(p, n, at + 1);
    if (!pid)
        return 0;
    at += 1 + pid;
    if (at < n && p[at] == ':' && !padded) {
        size_t tid = lv_digits(p, n, at + 1);
        if (!tid)
            return 0;
        at += 1 + tid;
    }
    if (at >= n || p[at] != ']' || (padded && (at + 1 >= n || p[at + 1] != ':')))
        return 0;
    at++;
    if (at < n && p[at] == ':')
        at++;
    return at < n && (p[at] == ' ' || p[at] == '\t') ? at : 0;
}

/* Is the word one of `names`, three-letter abbreviations written one after the other? */
static int lv_abbreviation(const unsigned char *w, size_t len, const char *names, size_t names_len) {
    if (len != 3)
        return 0;
    for (size_t k = 0; k + 3 <= names_len; k += 3)
        if (memcmp(w, names + k, 3) == 0)
            return 1;
    return 0;
}

/* prefix_levels.MONTHS: a month's abbreviation, as syslog-style timestamps write it ("Dec 02 01:10:00") */
static int lv_month(const unsigned char *w, size_t len) {
    static const char months[] = "JanFebMarAprMayJunJulAugSepOctNovDec";
    return lv_abbreviation(w, len, months, sizeof months - 1);
}

/* prefix_levels.WEEKDAYS: a weekday's abbreviation, as ctime(3) writes it ("Tue Nov 24 12:20:35 2026") */
static int lv_weekday(const unsigned char *w, size_t len) {
    static const char days[] = "MonTueWedThuFriSatSun";
    return lv_abbreviation(w, len, days, sizeof days - 1);
}

/* _DOVECOT's context and session groups: printable ASCII but space and the brackets ( ) < > */
static int lv_dove_char(unsigned char c) { return c >= 0x21 && c <= 0x7e && c != '(' && c != ')' && c != '<' && c != '>'; }

/* One of _DOVECOT's groups opening at `at`: up to `max` lv_dove_char, then `close`: where it ends (after `close`),
   or 0 */
static size_t lv_dove_group(const unsigned char *p, size_t n, size_t at, unsigned char close, size_t max) {
    size_t j = at + 1;
    while (j < n && j - at - 1 <= max && lv_dove_char(p[j]))
        j++;
    return j < n && p[j] == close && j - at - 1 <= max ? j + 1 : 0;
}

/* _DOVECOT: Dovecot's process prefix, "name", "name(context)", then "<pid>" "<session>" groups, ": ", then its level
   and ": " (src/lib/failures.c): the level (_DOVECOT_LEVELS: Fatal and Panic are crit, as in its syslog), or -1 */
static int lv_dovecot(const unsigned char *p, size_t n, size_t at) {
    if (at >= n || p[at] < 'a' || p[at] > 'z')
        return -1;
    size_t i = at + 1, k = 0;
    while (i < n && k < 31 && ((p[i] >= 'a' && p[i] <= 'z') || lv_digit(p[i]) || p[i] == '-')) {
        i++;
        k++;
    }
    if (i < n && p[i] == '(' && !(i = lv_dove_group(p, n, i, ')', 128)))
        return -1;
    while (i < n && p[i] == '<')
        if (!(i = lv_dove_group(p, n, i, '>', 64)))
            return -1;
    if (!lv_starts(p, n, i, ": "))
        return -1;
    i += 2;
    static const struct {
        const char *word;
        int level;
    } words[] = {{"Debug: ", 7}, {"Info: ", 6}, {"Warning: ", 4}, {"Error: ", 3}, {"Fatal: ", 2}, {"Panic: ", 2}};
    for (size_t w = 0; w < sizeof words / sizeof words[0]; w++)
        if (lv_starts(p, n, i, words[w].word))
            return words[w].level;
    return -1;
}

static int lv_prefix_level(const unsigned char *p, size_t n) {
    size_t at = 0;
    int after_time = 0, zone_done = 0, name_done = 0, user_done = 0, ident_done = 0, after_separator = 0, ctime = 0;
    for (int token = 0;; token++) {
        /* blanks: spaces, tabs, ANSI colour codes */
        for (;;) {
            if (at < n && (p[at] == ' ' || p[at] == '\t')) {
                at++;
                continue;
            }
            if (n - at >= 2 && p[at] == 0x1b && p[at + 1] == '[') {
                size_t i = at + 2;
                while (i < n && (lv_digit(p[i]) || p[i] == ';'))
                    i++;
                if (i < n && p[i] == 'm') {
                    at = i + 1;
                    continue;
                }
            }
            break;
        }
        if (at >= n || at >= LV_MAX_PREFIX)
            return -1;
        unsigned char c = p[at];
        if (after_time && !zone_done && (c == '+' || c == '-') && n - at >= 4 && lv_digit(p[at + 1]) &&
            lv_digit(p[at + 2])) { /* _OFFSET: a numeric UTC offset after a time, as the zone (Fluentd's %z),
                                    * or its hours alone (%Z of a zone without an abbreviation: PgBouncer's) */
            if (p[at + 3] == ' ' || p[at + 3] == '\t') {
                at += 3;
                zone_done = 1;
                after_time = after_separator = 0;
                continue;
            }
            size_t i = at + 3 + (p[at + 3] == ':');
            if (n - i >= 3 && lv_digit(p[i]) && lv_digit(p[i + 1]) && (p[i + 2] == ' ' || p[i + 2] == '\t')) {
                at = i + 2;
                zone_done = 1;
                after_time = after_separator = 0;
                continue;
            }
        }
        if (c == '[') {
            size_t i = at + 1;
            while (i < n && i - at - 1 <= LV_MAX_BRACKET && lv_bracketed(p[i]))
                i++;
            if (i >= n || p[i] != ']' || i - at - 1 > LV_MAX_BRACKET)
                return -1;
            int level = lv_bracket_level(p + at + 1, i - at - 1);
            if (level >= 0)
                return level;
            at = i + 1;
            after_time = after_separator = 0;
        } else if (lv_digit(c)) {
            size_t i = at + 1;
            int colon = 0;
            while (i < n && lv_graphic(p[i]))
                colon |= p[i++] == ':';
            at = i;
            after_time = colon;
            after_separator = 0;
            if (ctime && lv_starts(p, n, at, " : ")) { /* FreeRADIUS's "<ctime> : Error: " (src/main/log.c) */
                at += 2;
                after_time = 0;
                after_separator = 1;
            }
        } else if (c == '-' || c == '|') {
            size_t i = at;
            while (i < n && (p[i] == '-' || p[i] == '|'))
                i++;
            if (i < n && p[i] != ' ' && p[i] != '\t')
                return -1;
            at = i;
            after_time = 0;
            after_separator = 1;
        } else if (lv_alpha(c)) {
            size_t start = at, stop = lv_word_end(p, n, at), len = stop - start;
            int follows = stop < n ? p[stop] : -1;
            if (follows == ':' && lv_starts(p, n, stop, ":  ")) { /* POSTGRES_LEVELS: PostgreSQL's own */
                if (len == 5 && memcmp(p + start, "FATAL", 5) == 0)
                    return 3;
                if (len == 5 && memcmp(p + start, "PANIC", 5) == 0)
                    return 2;
            }
            if (follows == ':' && len == 5 && memcmp(p + start, "Trace", 5) == 0)
                return -1; /* Node's console.trace(): `Trace: [Error: ...]` and a stack, no debug line */
            /* zerolog's FTL and PNC only right after a time (_ZEROLOG_WORDS: Pi-hole's daemon is FTL) */
            if ((follows < 0 || lv_ends_word((unsigned char)follows)) &&
                (after_time || !(len == 3 && (memcmp(p + start, "FTL", 3) == 0 || memcmp(p + start, "PNC", 3) == 0)))) {
                int level = lv_word_level(p + start, len, follows == ':');
                if (level >= 0)
                    return level;
            }
            if (follows == ' ' && len == 5 && lv_starts_folded(p, n, start, "fatal error:"))
                return 2; /* unbound's fatal_exit (util/log.c: log_vmsg(LOG_CRIT, "fatal error", ...)) */
            if (len == 9 && memcmp(p + start, "LibClamAV", 9) == 0 && follows == ' ') { /* ClamAV's cli_errmsg */
                size_t word = stop + 1, end = lv_word_end(p, n, stop + 1);
                return end > word && end < n && p[end] == ':' ? lv_word_level(p + word, end - word, 1) : -1;
            }
            if (len == 3 && memcmp(p + start, "PHP", 3) == 0 && follows == ' ') {
                for (size_t k = 0; k < sizeof LV_PHP / sizeof LV_PHP[0]; k++) {
                    size_t plen = strlen(LV_PHP[k].phrase);
                    if (lv_starts(p, n, stop + 1, LV_PHP[k].phrase) && lv_starts(p, n, stop + 1 + plen, ":"))
                        return LV_PHP[k].level;
                }
                return -1;
            }
            int all_upper_letters = 1;
            for (size_t i = start; i < stop; i++)
                all_upper_letters &= lv_upper(p[i]);
            size_t i;
            int dovecot;
            if (after_time && !zone_done && (follows < 0 || follows == ' ' || follows == '\t') && len <= 5 &&
                all_upper_letters) {
                at = stop;
                zone_done = 1;
                after_time = after_separator = 0;
            } else if (token == 0 && len == 1 && memchr("DIWEFAU", c, 7) && lv_starts(p, n, stop, ", [")) {
                at = stop + 1; /* Ruby's Logger */
            } else if (token == 0 && follows == ' ' && stop + 1 < n && lv_digit(p[stop + 1]) &&
                       ((len == 6 && (memcmp(p + start, "Jicofo", 6) == 0 || memcmp(p + start, "Jigasi", 6) == 0)) ||
                        (len == 3 && memcmp(p + start, "JVB", 3) == 0) ||
                        (len == 5 && memcmp(p + start, "Jibri", 5) == 0))) {
                at = stop + 1; /* Jitsi's component before its time (_JITSI) */
            } else if (!name_done && (token == 0 || after_separator) &&
                       lv_starts(p, n, (i = lv_run(p, n, start, lv_name_char)), " - ")) {
                at = i + 1; /* Python logging's "name - " */
                name_done = 1;
                after_time = after_separator = 0;
            } else if (token && !user_done && (i = lv_run(p, n, start, lv_user_char)) < n && p[i] == '@' &&
                       (i = lv_run(p, n, i + 1, lv_user_char)) < n && (p[i] == ' ' || p[i] == '\t')) {
                at = i; /* PostgreSQL's "user@db" */
                user_done = 1;
                after_time = after_separator = 0;
            } else if (token == 0 && lv_weekday(p + start, len) && follows == ' ' && stop + 4 < n &&
                       lv_month(p + stop + 1, 3) && p[stop + 4] == ' ' &&
                       ((stop + 5 < n && lv_digit(p[stop + 5])) ||
                        (stop + 6 < n && p[stop + 5] == ' ' && lv_digit(p[stop + 6])))) {
                at = stop + 4; /* ctime(3)'s "Tue Nov 24 12:20:35 2026" */
                ctime = 1;
                after_separator = 0;
            } else if (token == 0 && lv_month(p + start, len) && follows == ' ' &&
                       ((stop + 1 < n && lv_digit(p[stop + 1])) ||
                        (stop + 2 < n && p[stop + 1] == ' ' && lv_digit(p[stop + 2])))) {
                at = stop; /* a syslog-style month: "Dec 02 01:10:00 " (Dovecot's log_timestamp) */
                after_separator = 0;
            } else if ((token == 0 || after_time) && (dovecot = lv_dovecot(p, n, start)) >= 0) {
                return dovecot; /* Dovecot's "auth-worker(4567): Error: " */
            } else if (!ident_done && (i = lv_ident(p, n, start, token > 0)) > 0) {
                at = i; /* the program's own ident: "unbound[812:0]", "dnsmasq[812]:" */
                ident_done = 1;
                after_time = after_separator = 0;
            } else if ((token == 0 || after_time) && len == 1 && memchr("EWIDT", c, 5) && lv_starts(p, n, stop, "! ")) {
                return c == 'E' ? 3 : c == 'W' ? 4 : c == 'I' ? 6 : 7; /* Telegraf's "E! " .. "T! " */
            } else if (after_time && follows == '|' && len > 3 && memcmp(p + start, "kid", 3) == 0 &&
                       lv_digits(p, stop, start + 3) == len - 3) {
                at = stop + 1; /* Squid's " kid1| " (debug.cc debugLogKid) */
                after_time = 0;
                after_separator = 1;
            } else if (after_time && (i = lv_source_level(p, n, start)) != (size_t)-1) {
                return (int)i; /* Prosody's "modulemanager\terror\t" */
            } else if ((after_time || after_separator) && (i = lv_code_place(p, n, start)) > 0) {
                at = i; /* ProxySQL's "file.cpp:303:func(): " */
                after_time = 0;
                after_separator = 1;
            } else if ((after_time || after_separator) && len == 3 && memcmp(p + start, "pid", 3) == 0 &&
                       stop < n && p[stop] == ' ' && (i = lv_run(p, n, stop + 1, lv_digit)) > stop + 1 &&
                       i - stop - 1 <= 10 && lv_starts(p, n, i, ": ")) {
                at = i + 2; /* pgpool-II's "%t: pid %p: " */
                after_time = 0;
                after_separator = 1;
            } else if ((token == 0 || after_time) && len == 5 && memcmp(p + start, "pluto", 5) == 0 &&
                       lv_starts(p, n, stop, ": ")) {
                at = stop + 2; /* libreswan's "pluto: warning: " (levels._LIBRESWAN) */
                after_time = 0;
                after_separator = 1;
            } else {
                return -1;
            }
        } else {
            return -1;
        }
    }
}

/* ---- text_level ---- */

/* 6. PostgreSQL's own severity and its colon and two spaces after a log_line_prefix step 5 cannot read (levels.py
   _postgres_level: RDS's "%t:%r:%u@%d:[%p]:", pgbadger's "... user=%u,db=%d,app=%a,client=%h ", "< %m >"). */
static const struct {
    const char *word;
    int level;
} LV_POSTGRES_WORDS[] = {{"DEBUG1", 7}, {"DEBUG2", 7}, {"DEBUG3", 7}, {"DEBUG4", 7}, {"DEBUG5", 7}, {"LOG", 6},
                         {"INFO", 6},   {"NOTICE", 5}, {"WARNING", 4}, {"ERROR", 3}, {"FATAL", 3}, {"PANIC", 2}};

/* PostgreSQL's csvlog row (levels.py _postgres_csv_level): `%m` (date, time, optional .mmm, a zone of 1 to 10
   letters, digits, + or -) and a comma, ten fields (quoted with "" inside, or bare), then the severity and a
   five-character SQLSTATE, each followed by a comma; -1 for anything else */
static int lv_postgres_csv(const unsigned char *p, size_t n) {
    static const char shape[] = "dddd-dd-dd dd:dd:dd";
    size_t at = 0;
    for (; shape[at]; at++)
        if (at >= n || (shape[at] == 'd' ? !lv_digit(p[at]) : p[at] != (unsigned char)shape[at]))
            return -1;
    if (at + 4 <= n && p[at] == '.' && lv_digit(p[at + 1]) && lv_digit(p[at + 2]) && lv_digit(p[at + 3]))
        at += 4;
    if (at >= n || p[at] != ' ')
        return -1;
    size_t zone = ++at;
    while (at < n && (lv_alnum(p[at]) || p[at] == '+' || p[at] == '-') && at - zone < 11)
        at++;
    if (at == zone || at - zone > 10 || at >= n || p[at] != ',')
        return -1;
    at++;
    for (int field = 1; field < 11; field++) {
        if (at < n && p[at] == '"') {
            for (at++;; at++) {
                if (at >= n)
                    return -1;
                if (p[at] == '"') {
                    if (at + 1 < n && p[at + 1] == '"')
                        at++;
                    else
                        break;
                }
            }
            at++;
        } else {
            while (at < n && p[at] != ',' && p[at] != '"' && p[at] != '\n')
                at++;
        }
        if (at >= n || p[at] != ',')
            return -1;
        at++;
    }
    for (size_t k = 0; k < sizeof LV_POSTGRES_WORDS / sizeof LV_POSTGRES_WORDS[0]; k++) {
        size_t len = strlen(LV_POSTGRES_WORDS[k].word);
        if (!lv_starts(p, n, at, LV_POSTGRES_WORDS[k].word) || at + len + 7 > n || p[at + len] != ',' ||
            p[at + len + 6] != ',')
            continue;
        size_t code = at + len + 1, i = 0;
        while (i < 5 && (lv_digit(p[code + i]) || (p[code + i] >= 'A' && p[code + i] <= 'Z')))
            i++;
        if (i == 5)
            return LV_POSTGRES_WORDS[k].level;
    }
    return -1;
}

static int lv_postgres_first(unsigned char c) { return lv_digit(c) || c == '[' || c == '<' || c == '('; }
static int lv_word_char(unsigned char c) { return lv_alnum(c) || c == '_'; }

static int lv_postgres_prefix(const unsigned char *p, size_t n) {
    if (n == 0 || !lv_postgres_first(p[0]))
        return -1;
    /* the commonest answer first: no colon and two blanks where a level could end (most lines: ~15 ns) */
    size_t window = n < LV_MAX_PREFIX + 10 ? n : LV_MAX_PREFIX + 10, c = 0;
    const unsigned char *colon;
    for (;; c++) {
        colon = memchr(p + c, ':', window - c);
        if (colon == NULL || (size_t)(colon - p) + 2 >= window)
            return -1;
        c = (size_t)(colon - p);
        if (colon[1] == ' ' && colon[2] == ' ')
            break;
    }
    for (size_t i = 0; i < n && i < LV_MAX_PREFIX; i++) {
        unsigned char c = p[i];
        if (i > 0 && (p[i - 1] == ' ' || p[i - 1] == '\t' || p[i - 1] == ':' || p[i - 1] == ']' || p[i - 1] == '>' ||
                      p[i - 1] == ')') &&
            !(i >= 3 && p[i - 1] == ' ' && p[i - 2] == ':' && lv_word_char(p[i - 3])) && lv_upper(c)) {
            for (size_t k = 0; k < sizeof LV_POSTGRES_WORDS / sizeof LV_POSTGRES_WORDS[0]; k++) {
                size_t len = strlen(LV_POSTGRES_WORDS[k].word);
                if (lv_starts(p, n, i, LV_POSTGRES_WORDS[k].word) && lv_starts(p, n, i + len, ":  "))
                    return LV_POSTGRES_WORDS[k].level;
            }
        }
        if (c == '\t' || (c >= 0x20 && c <= 0x7e && c != ':' && c != '"' && c != '\'' && c != '{' && c != '}'))
            continue; /* the prefix goes on */
        if (c == ':' && !(i + 1 < n && p[i + 1] == ' '))
            continue;
        if (c == ':' && i > 0 && (p[i - 1] == ']' || p[i - 1] == ')') && !lv_starts(p, n, i + 1, "  "))
            continue;
        return -1;
    }
    return -1;
}

/* its level after a prefix, else a csvlog row's */
static int lv_postgres(const unsigned char *p, size_t n) {
    int level = lv_postgres_prefix(p, n);
    return level >= 0 ? level : lv_postgres_csv(p, n);
}

#include "access_levels.h"
#include "program_levels.h"
#include "app_levels.h"

static int text_level(const unsigned char *p, size_t n) {
    if (n == 0)
        return -1;
    unsigned char first = p[0];
    if (first != '{' && first != '<') { /* A. an access log line: its status, and nothing else (access_levels.h) */
        int access = lv_access(p, n);
        if (access != LV_NOT_ACCESS)
            return access == LV_ACCESS_NO_LEVEL ? -1 : access;
    }
    if (lv_crash_first(first)) {
        int level = lv_crash(p, n);
        if (level >= 0)
            return level;
    }
    { /* 0b. a program's own prefix and level (program_levels.h, app_levels.h) */
        int level = lv_program(p, n);
        if (level >= 0 || (level = lv_app(p, n)) >= 0)
            return level;
    }
    if (first == '<') {
        if (n >= 3 && p[1] >= '0' && p[1] <= '7' && p[2] == '>')
            return p[1] - '0';
        size_t e = 1;
        while (e < n && lv_alpha(p[e]))
            e++;
        if (e > 1 && e < n && p[e] == '>')
            return lv_word_level(p + 1, e - 1, 1);
        return lv_postgres(p, n);
    }
    if (first == '{')
        return lv_json_level(p, n);
    if (memchr(LV_FIXED_FIRST, first, sizeof LV_FIXED_FIRST - 1)) {
        int level = lv_fixed(p, n);
        if (level >= 0)
            return level;
    }
    size_t key_len, value_at, value_len, next;
    if (lv_logfmt_pair(p, n, 0, &key_len, &value_at, &value_len, &next) &&
        (lv_contains(p, n, "level=") || lv_contains(p, n, "lvl=") || lv_contains(p, n, "severity=")))
        return lv_logfmt_level(p, n);
    int level = lv_prefix_level(p, n);
    return level >= 0 ? level : lv_postgres(p, n);
}

#endif
