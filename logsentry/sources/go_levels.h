/*
 * go_levels.h: the fixed formats of format_levels.h that Go programs write, with the helpers every fixed format
 * uses: glog/klog/abseil (`E1130 12:00:00.123456 1234 file.go:12] msg`), CockroachDB's crdb-v1/v2 and Gitea's
 * and Forgejo's `yyyy/mm/dd hh:mm:ss file.go:60:func() [E] msg`, logrus's terminal text (`ERRO[time] msg`).
 *
 * Part of the twin of logsentry/engine/format_levels.py (which documents each format and where it comes from);
 * included by format_levels.h, after levels.h's helpers (lv_starts, lv_digit, lv_graphic, ...).
 */
#ifndef LOGSENTRY_GO_LEVELS_H
#define LOGSENTRY_GO_LEVELS_H
static size_t lv_digits(const unsigned char *p, size_t n, size_t at) {
    size_t i = at;
    while (i < n && lv_digit(p[i]))
        i++;
    return i - at;
}

/* The `shape` (its length of bytes) at `at`: 'd' a digit, '?' 'T' or a space (an ISO or a plain date and time),
 * any other character itself: 1, else 0 */
static int lv_shape(const unsigned char *p, size_t n, size_t at, const char *shape) {
    size_t len = strlen(shape);
    if (n - at < len || at > n)
        return 0;
    for (size_t i = 0; i < len; i++) {
        unsigned char c = p[at + i];
        if (shape[i] == 'd' ? !lv_digit(c) : shape[i] == '?' ? c != 'T' && c != ' ' : c != (unsigned char)shape[i])
            return 0;
    }
    return 1;
}

/* A format's own level names (exact, case and all) and their syslog priorities */
typedef struct {
    const char *name;
    int level;
} LvName;

/* The level of the name `w` (`len` bytes) among `count` names, or -1 */
static int lv_named(const LvName *names, size_t count, const unsigned char *w, size_t len) {
    for (size_t k = 0; k < count; k++)
        if (strlen(names[k].name) == len && memcmp(names[k].name, w, len) == 0)
            return names[k].level;
    return -1;
}

/* At `at`, maybe one of `marks` followed by exactly `digits` digits (a fraction, a zone), then a space: the offset
 * after the space, or 0 */
static size_t lv_suffix_space(const unsigned char *p, size_t n, size_t at, const char *marks, size_t digits) {
    if (at < n && strchr(marks, p[at]) && p[at] != 0) {
        if (lv_digits(p, n, at + 1) != digits)
            return 0;
        at += 1 + digits;
    }
    return at < n && p[at] == ' ' ? at + 1 : 0;
}

/* "hh:mm:ss" at `at`: 1 */
static int lv_hms(const unsigned char *p, size_t n, size_t at) {
    return n - at >= 8 && lv_digit(p[at]) && lv_digit(p[at + 1]) && p[at + 2] == ':' && lv_digit(p[at + 3]) &&
           lv_digit(p[at + 4]) && p[at + 5] == ':' && lv_digit(p[at + 6]) && lv_digit(p[at + 7]);
}

/* `file:line` from `at`, the file printable ASCII up to ':' (and not `stop`): the offset after the line number,
 * or 0 when there is none (glog's and CockroachDB's headers) */
static size_t lv_file_line(const unsigned char *p, size_t n, size_t at, unsigned char stop) {
    size_t file = at;
    while (at < n && p[at] >= 0x21 && p[at] <= 0x7e && p[at] != ':' && p[at] != stop)
        at++;
    if (at == file || at >= n || p[at] != ':')
        return 0;
    size_t line = lv_digits(p, n, at + 1);
    return line ? at + 1 + line : 0;
}

/* glog's and CockroachDB's level letter (I, W, E, F: checked by the caller) as a syslog priority */
static int lv_letter(unsigned char letter) {
    switch (letter) {
    case 'I': return 6;
    case 'W': return 4;
    case 'E': return 3;
    default: return 2; /* F */
    }
}

static int lv_glog(const unsigned char *p, size_t n) {
    size_t at = 1, d = lv_digits(p, n, at);
    if (d != 4 && d != 8)
        return -1;
    at += d;
    if (at >= n || p[at] != ' ' || !lv_hms(p, n, at + 1))
        return -1;
    at += 9;
    if (at < n && p[at] == '.') {
        size_t f = lv_digits(p, n, at + 1);
        if (f == 0)
            return -1;
        at += 1 + f;
    }
    size_t spaces = 0;
    while (at < n && p[at] == ' ')
        at++, spaces++;
    size_t thread = lv_digits(p, n, at);
    if (!spaces || !thread)
        return -1;
    at += thread;
    if (at >= n || p[at] != ' ')
        return -1;
    at = lv_file_line(p, n, at + 1, ']');
    if (!at || !lv_starts(p, n, at, "] "))
        return -1;
    return lv_letter(p[0]);
}

/* SeaweedFS's glog (weed/glog/glog.go formatHeader, format_levels._SEAWEED_GLOG): Lmmdd hh:mm:ss.uuuuuu file:line , one
 * blank each, the file not starting with a digit (no thread id), no `]` */
static int lv_seaweed_glog(const unsigned char *p, size_t n) {
    if (!lv_shape(p, n, 1, "dddd dd:dd:dd.dddddd ") || (n > 22 && lv_digit(p[22])))
        return -1;
    size_t at = lv_file_line(p, n, 22, ']');
    return at && lv_starts(p, n, at, " ") ? lv_letter(p[0]) : -1;
}

/* CockroachDB crdb-v1/v2: Lyymmdd hh:mm:ss.uuuuuu[(+|-)hhmmss] [goid ][(gostd) ]file:line [marker ]: the marker is
 * U+22EE as UTF-8 (e2 8b ae), which Python reads as the decoded character */
static int lv_cockroach(const unsigned char *p, size_t n) {
    if (lv_digits(p, n, 1) != 6 || n < 24 || p[7] != ' ' || !lv_hms(p, n, 8) || p[16] != '.' ||
        lv_digits(p, n, 17) != 6)
        return -1;
    size_t at = lv_suffix_space(p, n, 23, "+-", 6);
    if (!at)
        return -1;
    size_t goid = lv_digits(p, n, at);
    if (goid && at + goid < n && p[at + goid] == ' ')
        at += goid + 1;
    if (lv_starts(p, n, at, "(gostd) "))
        at += 8;
    at = lv_file_line(p, n, at, ':');
    if (!at || !lv_starts(p, n, at, " ") || !(lv_starts(p, n, at + 1, " ") || lv_starts(p, n, at + 1, "\xe2\x8b\xae ")))
        return -1;
    return lv_letter(p[0]);
}

/* logrus's TextFormatter on a terminal (LOGRUS_TTY_LEVELS): the level cut to four capitals, then [ssss] (4 or more
 * digits) or [yyyy-mm-ddThh:mm:ss[.f{1,9}](Z|+hh:mm)], then a space */
static int lv_logrus_tty(const unsigned char *p, size_t n) {
    static const LvName NAMES[] = {{"PANI", 0}, {"FATA", 2}, {"ERRO", 3}, {"WARN", 4},
                                   {"INFO", 6}, {"DEBU", 7}, {"TRAC", 7}};
    if (n < 8 || p[4] != '[')
        return -1;
    int level = lv_named(NAMES, sizeof NAMES / sizeof NAMES[0], p, 4);
    if (level < 0)
        return -1;
    size_t at = 5, seconds = lv_digits(p, n, at);
    if (seconds >= 4 && at + seconds < n && p[at + seconds] == ']') {
        at += seconds;
    } else {
        if (!lv_shape(p, n, at, "dddd-dd-ddT") || !lv_hms(p, n, at + 11))
            return -1;
        at += 19;
        if (at < n && p[at] == '.') {
            size_t fraction = lv_digits(p, n, at + 1);
            if (fraction < 1 || fraction > 9)
                return -1;
            at += 1 + fraction;
        }
        if (at < n && p[at] == 'Z')
            at++;
        else if (at < n && (p[at] == '+' || p[at] == '-') && lv_shape(p, n, at + 1, "dd:dd"))
            at += 6;
        else
            return -1;
    }
    return lv_starts(p, n, at, "] ") ? level : -1;
}

/* Gitea and Forgejo (GITEA_LEVELS): yyyy/mm/dd hh:mm:ss[.uuuuuu] [file.go:line[:func] ][L] , the caller printable
 * ASCII but [ and ] (until 1.9: [file.go:line func] in brackets), the level's initial or name in capitals named within LV_MAX_PREFIX bytes */
static int lv_gitea(const unsigned char *p, size_t n) {
    static const LvName NAMES[] = {{"T", 7},     {"D", 7},     {"I", 6},    {"W", 4},    {"E", 3},
                                   {"C", 2},     {"F", 2},     {"TRACE", 7}, {"DEBUG", 7}, {"INFO", 6},
                                   {"WARN", 4},  {"ERROR", 3}, {"CRITICAL", 2}, {"FATAL", 2}};
    if (n < 24 || !lv_shape(p, n, 0, "dddd/dd/dd ") || !lv_hms(p, n, 11))
        return -1;
    size_t at = lv_suffix_space(p, n, 19, ".", 6);
    if (!at)
        return -1;
    if (at < n && p[at] == '[') { /* Gitea until 1.9: [file.go:line func()] before the level */
        size_t k = at + 1, ok = 0;
        while (k < n && lv_graphic(p[k]))
            k++;
        for (size_t j = at + 1; j + 4 <= k && !ok; j++)
            if (memcmp(p + j, ".go:", 4) == 0) {
                size_t line = lv_digits(p, k, j + 4);
                ok = line > 0 && j + 4 + line == k;
            }
        if (ok && k < n && p[k] == ' ') {
            size_t f = k + 1;
            while (f < n && lv_graphic(p[f]))
                f++;
            if (f > k + 1 && lv_starts(p, n, f, "] "))
                at = f + 2;
        }
    }
    if (at < n && p[at] != '[') { /* the caller: a token holding file.go:line, then the end or ':' */
        size_t start = at, ok = 0;
        while (at < n && lv_graphic(p[at]))
            at++;
        for (size_t k = start; k + 4 <= at && !ok; k++) {
            if (memcmp(p + k, ".go:", 4) != 0)
                continue;
            size_t line = lv_digits(p, at, k + 4);
            ok = line > 0 && (k + 4 + line == at || p[k + 4 + line] == ':');
        }
        if (!ok || at >= n || p[at] != ' ')
            return -1;
        at++;
    }
    if (at >= n || p[at] != '[')
        return -1;
    size_t word = at + 1, end = word;
    while (end < n && lv_upper(p[end]))
        end++;
    if (end == word || !lv_starts(p, n, end, "] ") || word >= LV_MAX_PREFIX)
        return -1;
    return lv_named(NAMES, sizeof NAMES / sizeof NAMES[0], p + word, end - word);
}

#endif
