/*
 * mongo_levels.h: MongoDB's severity, in its text format up to 4.2 (step 3 of levels.h, `date SEV COMPONENT [ctx]`)
 * and in 4.4+'s JSON (`{"t":{"$date":...},"s":"E",...}`, which step 2 reads).
 *
 * Part of the twin of logsentry/engine/format_levels.py (which documents both and where they come from); included by
 * format_levels.h after go_levels.h, whose helpers (lv_digits, lv_hms) it uses.
 */
#ifndef LOGSENTRY_MONGO_LEVELS_H
#define LOGSENTRY_MONGO_LEVELS_H

/* MongoDB's severity code at `at` (F E W I D D1..D5), its end in `*end` */
static int lv_mongo_code(const unsigned char *p, size_t n, size_t at, size_t *end) {
    if (at >= n)
        return -1;
    *end = at + 1;
    switch (p[at]) {
    case 'F': return 2;
    case 'E': return 3;
    case 'W': return 4;
    case 'I': return 6;
    case 'D':
        if (at + 1 < n && p[at + 1] >= '1' && p[at + 1] <= '5')
            *end = at + 2;
        return 7;
    }
    return -1;
}

/* MongoDB up to 4.2: yyyy-mm-ddThh:mm:ss.mmm(Z|+hhmm) SEV +(COMPONENT|-) +[ */
static int lv_mongo_text(const unsigned char *p, size_t n) {
    static const char shape[] = "dddd-dd-ddTdd:dd:dd.ddd";
    if (n < 25)
        return -1;
    for (size_t i = 0; i < 23; i++)
        if (shape[i] == 'd' ? !lv_digit(p[i]) : p[i] != (unsigned char)shape[i])
            return -1;
    size_t at = 23;
    if (p[at] == 'Z') {
        at++;
    } else if ((p[at] == '+' || p[at] == '-') && lv_digits(p, n, at + 1) >= 4) {
        at += 5;
    } else {
        return -1;
    }
    if (at >= n || p[at] != ' ')
        return -1;
    size_t end;
    int level = lv_mongo_code(p, n, at + 1, &end);
    if (level < 0 || end >= n || p[end] != ' ')
        return -1;
    at = end;
    while (at < n && p[at] == ' ')
        at++;
    if (at < n && p[at] == '-') {
        at++;
    } else if (at < n && lv_upper(p[at])) {
        while (at < n && (lv_upper(p[at]) || lv_digit(p[at]) || p[at] == '_'))
            at++;
    } else {
        return -1;
    }
    size_t spaces = at;
    while (at < n && p[at] == ' ')
        at++;
    return at > spaces && at < n && p[at] == '[' ? level : -1;
}

/* MongoDB 4.4+: {"t":{"$date":"..."},"s":"CODE", */
static int lv_mongo_json(const unsigned char *p, size_t n) {
    size_t at = strlen(LV_MONGO_JSON_START);
    while (at < n && p[at] != '"' && p[at] != '\\')
        at++;
    if (!lv_starts(p, n, at, "\"},\"s\":\""))
        return -1;
    size_t code = at + 8, end;
    int level = lv_mongo_code(p, n, code, &end);
    if (level < 0 || (p[code] == 'D' && end == code + 1))
        return -1; /* (logv2 writes D1..D5, never a bare D) */
    return lv_starts(p, n, end, "\",") ? level : -1;
}

#endif
