/* An access log line's level: the C twin of engine/access_levels.py (the reference, with the layouts and their
   sources; tests/test_levels.py holds the two to the same answers). Included by levels.h after its helpers
   (lv_printable: crash_levels.h). */
#ifndef LOGSENTRY_ACCESS_LEVELS_H
#define LOGSENTRY_ACCESS_LEVELS_H

#define LV_NOT_ACCESS (-1)
#define LV_ACCESS_NO_LEVEL (-2)
#define LV_MAX_ACCESS_PREFIX 1024

/* [!-~]{1,255} then a space: the end, or 0 */
static size_t lv_access_token(const unsigned char *p, size_t n, size_t at) {
    size_t e = at;
    while (e < n && e - at < 256 && lv_printable(p[e]))
        e++;
    return e > at && e - at <= 255 && e < n && p[e] == ' ' ? e + 1 : 0;
}

static size_t lv_digits_at(const unsigned char *p, size_t n, size_t at, size_t count) {
    for (size_t i = 0; i < count; i++)
        if (at + i >= n || !lv_digit(p[at + i]))
            return 0;
    return at + count;
}

/* `[.,]` (or `.` only) and 1 to 9 digits, if there: where it ends (at when none) */
static size_t lv_fraction(const unsigned char *p, size_t n, size_t at, int comma) {
    if (at < n && (p[at] == '.' || (comma && p[at] == ','))) {
        size_t e = at + 1;
        while (e < n && e - at - 1 < 10 && lv_digit(p[e]))
            e++;
        if (e - at - 1 >= 1 && e - at - 1 <= 9)
            return e;
    }
    return at;
}

/* `hh:mm:ss` at `at`: its end, or 0 */
static size_t lv_clock(const unsigned char *p, size_t n, size_t at) {
    if (!lv_digits_at(p, n, at, 2) || at + 2 >= n || p[at + 2] != ':' || !lv_digits_at(p, n, at + 3, 2) ||
        at + 5 >= n || p[at + 5] != ':' || !lv_digits_at(p, n, at + 6, 2))
        return 0;
    return at + 8;
}

/* CLF's `[dd/Mon/yyyy:hh:mm:ss(.frac)? +zzzz] "` at `at`: where the request's text starts, or 0 */
static size_t lv_clf_time(const unsigned char *p, size_t n, size_t at) {
    if (at >= n || p[at] != '[' || !lv_digits_at(p, n, at + 1, 2) || at + 3 >= n || p[at + 3] != '/' ||
        at + 6 >= n || !lv_upper(p[at + 4]) || !lv_lower(p[at + 5]) || !lv_lower(p[at + 6]) || at + 7 >= n ||
        p[at + 7] != '/' || !lv_digits_at(p, n, at + 8, 4) || at + 12 >= n || p[at + 12] != ':')
        return 0;
    size_t e = lv_clock(p, n, at + 13);
    if (!e)
        return 0;
    e = lv_fraction(p, n, e, 1);
    if (e + 1 >= n || p[e] != ' ' || (p[e + 1] != '+' && p[e + 1] != '-') || !lv_digits_at(p, n, e + 2, 4))
        return 0;
    e += 6;
    return lv_starts(p, n, e, "] \"") ? e + 3 : 0;
}

/* Envoy's `[yyyy-mm-ddThh:mm:ss(.frac)?(Z|+hh:mm|+hhmm)] "`: where the request's text starts, or 0 */
static size_t lv_envoy_time(const unsigned char *p, size_t n) {
    if (!lv_digits_at(p, n, 1, 4) || n <= 5 || p[5] != '-' || !lv_digits_at(p, n, 6, 2) || n <= 8 || p[8] != '-' ||
        !lv_digits_at(p, n, 9, 2) || n <= 11 || p[11] != 'T')
        return 0;
    size_t e = lv_clock(p, n, 12);
    if (!e)
        return 0;
    e = lv_fraction(p, n, e, 0);
    if (e < n && p[e] == 'Z') {
        e++;
    } else if (e < n && (p[e] == '+' || p[e] == '-')) {
        size_t z = e + 1;
        while (z < n && z - e - 1 < 6 && (lv_digit(p[z]) || p[z] == ':'))
            z++;
        if (z - e - 1 < 4 || z - e - 1 > 5)
            return 0;
        e = z;
    } else {
        return 0;
    }
    return lv_starts(p, n, e, "] \"") ? e + 3 : 0;
}

static int lv_hex_or(unsigned char c) { return lv_digit(c) || (c >= 'a' && c <= 'f') || (c >= 'A' && c <= 'F') ||
                                                c == ':' || c == '.'; }

/* an optional '-' and 1 to 10 digits (HAProxy's timers): the end, or 0 */
static size_t lv_timer(const unsigned char *p, size_t n, size_t at) {
    if (at < n && p[at] == '-')
        at++;
    size_t e = at;
    while (e < n && e - at < 11 && lv_digit(p[e]))
        e++;
    return e > at && e - at <= 10 ? e : 0;
}

/* HAProxy's HTTP log line (access_levels.py _HAPROXY): its status's level, or LV_NOT_ACCESS */
static int lv_haproxy(const unsigned char *p, size_t n) {
    size_t e = 0;
    while (e < n && e < 52 && lv_hex_or(p[e]))
        e++;
    /* [0-9A-Fa-f:.]{2,45}:[0-9]{1,5}: the client's address then its port, after the last ':' */
    if (e >= n || p[e] != ' ')
        return LV_NOT_ACCESS;
    size_t colon = e;
    while (colon > 0 && p[colon - 1] != ':')
        colon--;
    if (colon == 0 || e - colon < 1 || e - colon > 5 || colon - 1 < 2 || colon - 1 > 45)
        return LV_NOT_ACCESS;
    for (size_t i = colon; i < e; i++)
        if (!lv_digit(p[i]))
            return LV_NOT_ACCESS;
    size_t at = e + 1;
    if (at >= n || p[at] != '[' || !lv_digits_at(p, n, at + 1, 2) || at + 3 >= n || p[at + 3] != '/' ||
        at + 6 >= n || !lv_upper(p[at + 4]) || !lv_lower(p[at + 5]) || !lv_lower(p[at + 6]) || at + 7 >= n ||
        p[at + 7] != '/' || !lv_digits_at(p, n, at + 8, 4) || at + 12 >= n || p[at + 12] != ':')
        return LV_NOT_ACCESS;
    at = lv_clock(p, n, at + 13);
    if (!at || at >= n || p[at] != '.' || !lv_digits_at(p, n, at + 1, 3) || !lv_starts(p, n, at + 4, "] "))
        return LV_NOT_ACCESS;
    at = lv_access_token(p, n, at + 6); /* the frontend */
    if (!at)
        return LV_NOT_ACCESS;
    /* backend/server: [!-~]{1,255}/[!-~]{1,255}, at a '/' that leaves both their lengths */
    size_t end = at;
    while (end < n && end - at < 512 && lv_printable(p[end]))
        end++;
    if (end == at || end >= n || p[end] != ' ')
        return LV_NOT_ACCESS;
    end++;
    size_t slash = 0;
    for (size_t i = at; i + 1 < end; i++)
        if (p[i] == '/' && i - at >= 1 && i - at <= 255 && end - 1 - (i + 1) >= 1 && end - 1 - (i + 1) <= 255)
            slash = i;
    if (!slash)
        return LV_NOT_ACCESS;
    at = end;
    for (int t = 0; t < 4; t++) {
        at = lv_timer(p, n, at);
        if (!at || at >= n || p[at] != '/')
            return LV_NOT_ACCESS;
        at++;
    }
    if (at < n && p[at] == '+')
        at++;
    at = lv_timer(p, n, at);
    if (!at || at >= n || p[at] != ' ' || !lv_digits_at(p, n, at + 1, 3) || (at + 4 < n && p[at + 4] != ' '))
        return LV_NOT_ACCESS;
    return p[at + 1] == '5' ? 3 : LV_ACCESS_NO_LEVEL;
}

static int lv_access(const unsigned char *p, size_t n) {
    size_t at;
    if (n == 0)
        return LV_NOT_ACCESS;
    if (p[0] == '[') {
        at = lv_envoy_time(p, n);
    } else {
        /* no `] "` within the prefix: no CLF (the commonest answer) */
        size_t window = n < LV_MAX_ACCESS_PREFIX ? n : LV_MAX_ACCESS_PREFIX;
        const unsigned char *close = p;
        at = 0;
        for (;;) {
            close = memchr(close, ']', window - (size_t)(close - p));
            if (close == NULL || (size_t)(close - p) + 2 >= window)
                break;
            if (close[1] == ' ' && close[2] == '"') {
                /* three tokens then the time, or four (Apache's vhost_combined: `%v:%p ` first) */
                size_t one = lv_access_token(p, n, 0), two = one ? lv_access_token(p, n, one) : 0;
                size_t three = two ? lv_access_token(p, n, two) : 0, four = three ? lv_access_token(p, n, three) : 0;
                at = four ? lv_clf_time(p, n, four) : 0;
                if (!at)
                    at = three ? lv_clf_time(p, n, three) : 0;
                break;
            }
            close++;
        }
        if (!at)
            return lv_alnum(p[0]) || p[0] == ':' ? lv_haproxy(p, n) : LV_NOT_ACCESS;
    }
    if (!at || at > LV_MAX_ACCESS_PREFIX)
        return LV_NOT_ACCESS;
    while (at < n && p[at] != '"' && p[at] != '\n') { /* the request, its escapes skipped whole */
        if (p[at] == '\\') {
            if (at + 1 >= n || p[at + 1] == '\n')
                return LV_NOT_ACCESS;
            at++;
        }
        at++;
    }
    if (at + 4 >= n || p[at] != '"' || p[at + 1] != ' ' || !lv_digits_at(p, n, at + 2, 3))
        return LV_NOT_ACCESS;
    if (at + 5 < n && p[at + 5] != ' ' && p[at + 5] != '\n')
        return LV_NOT_ACCESS;
    return p[at + 2] == '5' ? 3 : LV_ACCESS_NO_LEVEL;
}

#endif
