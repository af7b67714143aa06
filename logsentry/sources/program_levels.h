/*
 * program_levels.h: levels some programs write behind a prefix of their own, at the start of the line or after their
 * own time: gpsd's `gpsd:ERROR: `, lldpd's `time [CRIT/fatal] `, MiniDLNA's `[time] file.c:line: error: `, Bareos's
 * and Bacula's `time name JobId n: Fatal error: `, Open vSwitch's vlog `time|seq|module|ERR|` (step 0b).
 *
 * The twin of logsentry/engine/program_levels.py, which documents each format and where it comes from;
 * tests/test_levels_trial63.py holds the two to the same answers. Included by levels.h after format_levels.h
 * (lv_digits, lv_shape, LvName, lv_named).
 */
#ifndef LOGSENTRY_PROGRAM_LEVELS_H
#define LOGSENTRY_PROGRAM_LEVELS_H

#define LV_N(names) (sizeof names / sizeof names[0])

static inline int lv_name_byte(unsigned char c) { return lv_alnum(c) || c == '_' || c == '-'; }

/* gpsd (program_levels._GPSD): `gps`, up to 15 of [a-z0-9], `:`, err_str, `: ` */
static int lv_gpsd(const unsigned char *p, size_t n) {
    static const LvName NAMES[] = {{"ERROR", 3}, {"WARN", 4}, {"SHOUT", 5}, {"CLIENT", 5}, {"INFO", 5}, {"DATA", 5},
                                   {"PROG", 5},  {"IO", 5},   {"SPIN", 5},  {"RAW", 5},    {"UNK", 5}};
    if (!lv_starts(p, n, 0, "gps"))
        return -1;
    size_t at = 3;
    while (at < n && at - 3 < 16 && (lv_lower(p[at]) || lv_digit(p[at])))
        at++;
    if (at - 3 > 15 || at >= n || p[at] != ':')
        return -1;
    size_t word = ++at;
    while (at < n && lv_upper(p[at]))
        at++;
    return lv_starts(p, n, at, ": ") ? lv_named(NAMES, LV_N(NAMES), p + word, at - word) : -1;
}

/* lldpd (program_levels._LLDPD): `yyyy-mm-ddThh:mm:ss `, maybe a colour, `[`, translate()'s four bytes, maybe `/` and
 * a token of 1 to 32 [A-Za-z0-9_-], `]`, maybe `\033[0m`, a blank */
static int lv_lldpd(const unsigned char *p, size_t n) {
    static const LvName NAMES[] = {{"EMRG", 0}, {"ALRT", 1}, {"CRIT", 2}, {" ERR", 3},
                                   {"WARN", 4}, {"NOTI", 5}, {"INFO", 6}, {" DBG", 7}};
    if (!lv_shape(p, n, 0, "dddd-dd-ddTdd:dd:dd "))
        return -1;
    size_t at = 20;
    if ((at = lv_skip_colour(p, n, at)) == LV_NO_COLOUR)
        return -1;
    if (at >= n || p[at] != '[' || n - at < 5)
        return -1;
    int level = lv_named(NAMES, LV_N(NAMES), p + at + 1, 4);
    if (level < 0)
        return -1;
    at += 5;
    if (at < n && p[at] == '/') {
        size_t start = ++at;
        while (at < n && at - start < 33 && lv_name_byte(p[at]))
            at++;
        if (at == start || at - start > 32)
            return -1;
    }
    if (at >= n || p[at] != ']')
        return -1;
    at++;
    if (lv_starts(p, n, at, "\x1b[0m"))
        at += 4;
    return lv_starts(p, n, at, " ") ? level : -1;
}

/* MiniDLNA (program_levels._MINIDLNA): maybe `[yyyy/mm/dd hh:mm:ss] `, a file of 1 to 120 [A-Za-z0-9_./-] (not
 * starting with . / -) then `.c:`, 1 to 6 digits, `: `, a level name, `: ` */
static int lv_minidlna(const unsigned char *p, size_t n) {
    static const LvName NAMES[] = {{"fatal", 2}, {"error", 3}, {"warn", 4}, {"info", 6}, {"debug", 7}, {"maxdebug", 7}};
    size_t at = 0;
    if (n && p[0] == '[') {
        if (!lv_shape(p, n, 0, "[dddd/dd/dd dd:dd:dd] "))
            return -1;
        at = 22;
    }
    if (at >= n || !(lv_alnum(p[at]) || p[at] == '_'))
        return -1;
    size_t start = at, e = at;
    while (e < n && e - start < 123 && (lv_alnum(p[e]) || p[e] == '_' || p[e] == '.' || p[e] == '/' || p[e] == '-'))
        e++;
    if (e - start < 3 || e - start > 122 || p[e - 2] != '.' || p[e - 1] != 'c' || e >= n || p[e] != ':')
        return -1;
    at = e + 1;
    size_t digits = lv_digits(p, n, at);
    if (digits < 1 || digits > 6 || !lv_starts(p, n, at + digits, ": "))
        return -1;
    at += digits + 2;
    size_t word = at;
    while (at < n && lv_lower(p[at]))
        at++;
    return lv_starts(p, n, at, ": ") ? lv_named(NAMES, LV_N(NAMES), p + word, at - word) : -1;
}

/* Bareos's and Bacula's message after its time (or none): a name of 1 to 64 [A-Za-z0-9_.-], a blank, then `JobId n:
 * ` and a Jmsg prefix, or `ABORTING due to ERROR` / `ERROR TERMINATION` ending the line */
static int lv_bareos_at(const unsigned char *p, size_t n, size_t at) {
    static const LvName PREFIXES[] = {{"Fatal error", 3}, {"Error", 3}, {"Warning", 4}, {"Security violation", 3},
                                      {"Security Alert", 3}};
    size_t start = at;
    while (at < n && at - start < 65 && (lv_name_byte(p[at]) || p[at] == '.'))
        at++;
    if (at == start || at - start > 64 || !lv_starts(p, n, at, " "))
        return -1;
    at++;
    if (lv_starts(p, n, at, "JobId ")) {
        at += 6;
        size_t digits = lv_digits(p, n, at);
        if (digits < 1 || digits > 10 || !lv_starts(p, n, at + digits, ": "))
            return -1;
        at += digits + 2;
        for (size_t k = 0; k < LV_N(PREFIXES); k++) {
            size_t len = strlen(PREFIXES[k].name);
            if (lv_starts(p, n, at, PREFIXES[k].name) && lv_starts(p, n, at + len, ": "))
                return PREFIXES[k].level;
        }
        return -1;
    }
    size_t end = lv_starts(p, n, at, "ABORTING due to ERROR") ? at + 21
                 : lv_starts(p, n, at, "ERROR TERMINATION")   ? at + 17
                                                               : 0;
    return end && (end == n || p[end] == '\n') ? 2 : -1;
}

/* program_levels._BAREOS: maybe `dd-Mon[-yyyy] hh:mm[:ss] ` first (bstrftime_ny), else the name at the start */
static int lv_bareos(const unsigned char *p, size_t n) {
    if (lv_shape(p, n, 0, "dd-") && n > 6 && lv_upper(p[3]) && lv_lower(p[4]) && lv_lower(p[5])) {
        size_t at = 6;
        if (lv_shape(p, n, at, "-dddd"))
            at += 5;
        if (lv_shape(p, n, at, " dd:dd")) {
            at += 6;
            if (lv_shape(p, n, at, ":dd"))
                at += 3;
            if (lv_starts(p, n, at, " ")) {
                int level = lv_bareos_at(p, n, at + 1);
                if (level >= 0)
                    return level;
            }
        }
    }
    return lv_bareos_at(p, n, 0);
}

/* Open vSwitch's vlog after its prefix: 5 to 10 digits, `|`, the module (1 to 64 [A-Za-z0-9_-]), maybe `(thread)`,
 * `|`, the level, `|` */
static int lv_ovs_at(const unsigned char *p, size_t n, size_t at) {
    static const LvName NAMES[] = {{"EMER", 1}, {"ERR", 3}, {"WARN", 4}, {"INFO", 5}, {"DBG", 7}};
    size_t digits = lv_digits(p, n, at);
    if (digits < 5 || digits > 10 || !lv_starts(p, n, at + digits, "|"))
        return -1;
    at += digits + 1;
    size_t start = at;
    while (at < n && at - start < 65 && lv_name_byte(p[at]))
        at++;
    if (at == start || at - start > 64)
        return -1;
    if (at < n && p[at] == '(') {
        size_t thread = ++at;
        while (at < n && at - thread < 65 && lv_name_byte(p[at]))
            at++;
        if (at == thread || at - thread > 64 || at >= n || p[at] != ')')
            return -1;
        at++;
    }
    if (at >= n || p[at] != '|')
        return -1;
    size_t word = ++at;
    while (at < n && lv_upper(p[at]))
        at++;
    return lv_starts(p, n, at, "|") ? lv_named(NAMES, LV_N(NAMES), p + word, at - word) : -1;
}

/* program_levels._OVS: maybe the console's or file's ISO time, the old `Mon dd hh:mm:ss` or syslog's `ovs`, and `|` */
static int lv_ovs(const unsigned char *p, size_t n) {
    size_t at = 0;
    if (lv_shape(p, n, 0, "dddd-dd-ddTdd:dd:dd")) {
        at = 19;
        if (lv_shape(p, n, at, ".ddd"))
            at += 4;
        at = lv_starts(p, n, at, "Z|") ? at + 2 : 0;
    } else if (n > 3 && lv_upper(p[0]) && lv_lower(p[1]) && lv_lower(p[2]) && lv_shape(p, n, 3, " dd dd:dd:dd|")) {
        at = 16;
    } else if (lv_starts(p, n, 0, "ovs|")) {
        at = 4;
    }
    int level = at ? lv_ovs_at(p, n, at) : -1;
    return level >= 0 ? level : lv_ovs_at(p, n, 0);
}

/* monit's log file (program_levels._MONIT): `[`, the zone (2 to 5 capitals, or + or -, 2 or 4 digits), ` Mon `, the
 * day (a blank, 1, 2 or 3, or none, then a digit), ` hh:mm:ss] `, the level, 1 to 5 blanks, `: ` */
static int lv_monit(const unsigned char *p, size_t n) {
    static const LvName NAMES[] = {{"emergency", 0}, {"alert", 1}, {"critical", 2}, {"error", 3},
                                   {"warning", 4},   {"notice", 5}, {"info", 6},     {"debug", 7}};
    if (n < 2 || p[0] != '[')
        return -1;
    size_t at = 1;
    if (p[1] == '+' || p[1] == '-') {
        size_t digits = lv_digits(p, n, 2);
        if (digits != 2 && digits != 4)
            return -1;
        at = 2 + digits;
    } else {
        while (at < n && at - 1 < 6 && lv_upper(p[at]))
            at++;
        if (at - 1 < 2 || at - 1 > 5)
            return -1;
    }
    if (n - at < 5 || p[at] != ' ' || !lv_upper(p[at + 1]) || !lv_lower(p[at + 2]) || !lv_lower(p[at + 3]) ||
        p[at + 4] != ' ')
        return -1;
    at += 5;
    if (at < n && (p[at] == ' ' || (p[at] >= '1' && p[at] <= '3')) && at + 1 < n && lv_digit(p[at + 1]))
        at++;
    if (!lv_shape(p, n, at, "d dd:dd:dd] "))
        return -1;
    at += 12;
    size_t word = at;
    while (at < n && lv_lower(p[at]))
        at++;
    size_t blanks = at;
    while (at < n && p[at] == ' ' && at - blanks < 6)
        at++;
    if (at - blanks < 1 || at - blanks > 5 || !lv_starts(p, n, at, ": "))
        return -1;
    return lv_named(NAMES, LV_N(NAMES), p + word, blanks - word);
}

/* SSSD's process name (program_levels._SSSD_NAME) in brackets at `at`, with up to `depth` more nested in it
 * (`[sssd[be[example.com]]]`): the offset after its `]`, or 0 */
static size_t lv_sssd_name(const unsigned char *p, size_t n, size_t at, int depth) {
    if (at >= n || p[at] != '[')
        return 0;
    size_t start = ++at;
    while (at < n && at - start < 65 && p[at] >= 0x21 && p[at] <= 0x7e && p[at] != '[' && p[at] != ']')
        at++;
    if (at == start || at - start > 64)
        return 0;
    if (depth > 0 && at < n && p[at] == '[' && !(at = lv_sssd_name(p, n, at, depth - 1)))
        return 0;
    return at < n && p[at] == ']' ? at + 1 : 0;
}

/* SSSD's debug log (program_levels._SSSD): maybe `(yyyy-mm-dd hh:mm:ss[:uuuuuu]): ` (the hour maybe blank-padded) or
 * ctime's `(Www Mmm dd hh:mm:ss[:uuuuuu] yyyy) `, then the name, ` [function] (`, `0x` and 4 or 5 hex digits or 0 to
 * 10, `): ` */
static int lv_sssd(const unsigned char *p, size_t n) {
    static const struct {
        long bits;
        int level;
    } BITS[] = {{0x10, 2},   {0x20, 3},   {0x40, 4},    {0x80, 5},    {0x100, 6},    {0x200, 7},     {0x400, 7},
                {0x1000, 7}, {0x2000, 7}, {0x4000, 7},  {0x8000, 7},  {0x10000, 7},  {0x20000, 7},   {0x1f7c0, 5},
                {0x3f7c0, 5}};
    static const int OLD[] = {2, 3, 4, 5, 6, 7, 7, 7, 7, 7, 7};
    size_t at = 0;
    if (n && p[0] == '(') {
        if (lv_shape(p, n, 0, "(dddd-dd-dd ") && n > 13 && (p[12] == ' ' || lv_digit(p[12])) && lv_digit(p[13]) &&
            lv_shape(p, n, 14, ":dd:dd")) {
            at = 20;
            if (lv_shape(p, n, at, ":dddddd"))
                at += 7;
            if (!lv_starts(p, n, at, "): "))
                return -1;
            at += 3;
        } else if (n > 24 && lv_upper(p[1]) && lv_lower(p[2]) && lv_lower(p[3]) && p[4] == ' ' && lv_upper(p[5]) &&
                   lv_lower(p[6]) && lv_lower(p[7]) && p[8] == ' ' && (p[9] == ' ' || lv_digit(p[9])) &&
                   lv_shape(p, n, 10, "d dd:dd:dd")) {
            at = 20;
            if (lv_shape(p, n, at, ":dddddd"))
                at += 7;
            if (!lv_shape(p, n, at, " dddd) "))
                return -1;
            at += 7;
        } else {
            return -1;
        }
    }
    if (!(at = lv_sssd_name(p, n, at, 2)) || !lv_starts(p, n, at, " [") || (at += 2) >= n ||
        !(lv_alpha(p[at]) || p[at] == '_'))
        return -1;
    size_t start = at;
    while (at < n && at - start < 129 && (lv_alnum(p[at]) || p[at] == '_'))
        at++;
    if (at - start > 128 || !lv_starts(p, n, at, "] ("))
        return -1;
    at += 3;
    if (lv_starts(p, n, at, "0x")) {
        at += 2;
        size_t hex = at;
        long bits = 0;
        while (at < n && at - hex < 6 && (lv_digit(p[at]) || (p[at] >= 'a' && p[at] <= 'f')))
            bits = bits * 16 + (lv_digit(p[at]) ? p[at] - '0' : p[at] - 'a' + 10), at++;
        if (at - hex < 4 || at - hex > 5 || !lv_starts(p, n, at, "): "))
            return -1;
        for (size_t k = 0; k < LV_N(BITS); k++)
            if (BITS[k].bits == bits)
                return BITS[k].level;
        return -1;
    }
    size_t digits = lv_digits(p, n, at);
    if (digits < 1 || digits > 2 || (digits == 2 && !lv_starts(p, n, at, "10")) || !lv_starts(p, n, at + digits, "): "))
        return -1;
    return OLD[digits == 2 ? 10 : p[at] - '0'];
}

/* program_levels.program_level */
static int lv_program(const unsigned char *p, size_t n) {
    if (n == 0)
        return -1;
    unsigned char first = p[0];
    int level;
    if (first == '(')
        return lv_sssd(p, n);
    if (first == '[') {
        if ((level = lv_minidlna(p, n)) >= 0 || (level = lv_monit(p, n)) >= 0)
            return level;
        return lv_sssd(p, n);
    }
    int digit = lv_digit(first);
    if (!(lv_alnum(first) || first == '_'))
        return -1;
    if (digit && n > 10 && p[10] == 'T' && (level = lv_lldpd(p, n)) >= 0)
        return level;
    if ((digit || lv_upper(first) || first == 'o') && (level = lv_ovs(p, n)) >= 0)
        return level;
    if (first == 'g' && (level = lv_gpsd(p, n)) >= 0)
        return level;
    if ((level = lv_minidlna(p, n)) >= 0)
        return level;
    return lv_bareos(p, n);
}

#endif
