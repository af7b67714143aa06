/*
 * daemon_levels.h: the fixed formats of infrastructure daemons' own log files and stderr (GlusterFS's `[time] E
 * [MSGID: n] `, libvirt's `time: tid: error : `, certbot's `time:ERROR:name:`, Xorg's `[ uptime] (EE) `, Ceph's
 * cluster log `time name (rank) seq : cluster [WRN] `, Python logging's `[time] name LEVEL   : `, OSSEC's
 * `time tag: ERROR: `, Suricata's `time - <Error> - `, ZoneMinder's `time id[pid].ERR [` and its syslog `ERR [...]`),
 * part of step 3 (format_levels.h).
 *
 * The twin of logsentry/engine/daemon_levels.py, which documents each format and where it comes from;
 * tests/test_levels_daemons.py holds the two to the same answer. Included by format_levels.h after go_levels.h
 * (lv_digits, lv_shape, lv_hms, LvName, lv_named).
 */
#ifndef LOGSENTRY_DAEMON_LEVELS_H
#define LOGSENTRY_DAEMON_LEVELS_H

#define LV_DAEMON_FIRST "[(0123456789:IWEFPAD" /* daemon_levels.FIRST */

/* Ceph's clog_type as printed, as clog_type_to_syslog_level maps it (CLOG_LEVELS; also lv_ceph's cluster line) */
static const LvName LV_CLOG[] = {{"DBG", 7}, {"INF", 6}, {"WRN", 4}, {"ERR", 3}, {"SEC", 2}};
#define LV_N_CLOG (sizeof LV_CLOG / sizeof LV_CLOG[0])

/* GlusterFS: [yyyy-mm-dd hh:mm:ss.f{1,6}[ +zzzz]] L [[MSGID: n] ][file:line:function] , L one of MACEWNIDT, the file
 * printable ASCII but : [ ], the function printable ASCII but [ ] */
static int lv_gluster(const unsigned char *p, size_t n) {
    static const LvName NAMES[] = {{"M", 0}, {"A", 1}, {"C", 2}, {"E", 3}, {"W", 4},
                                   {"N", 5}, {"I", 6}, {"D", 7}, {"T", 7}};
    if (!lv_shape(p, n, 0, "[dddd-dd-dd dd:dd:dd."))
        return -1;
    size_t at = 21, f = lv_digits(p, n, at);
    if (f < 1 || f > 6)
        return -1;
    at += f;
    if (n - at >= 2 && p[at] == ' ' && (p[at + 1] == '+' || p[at + 1] == '-')) {
        if (lv_digits(p, n, at + 2) != 4)
            return -1;
        at += 6;
    }
    if (!lv_starts(p, n, at, "] ") || n - at < 5 || !lv_starts(p, n, at + 3, " ["))
        return -1;
    int level = lv_named(NAMES, sizeof NAMES / sizeof NAMES[0], p + at + 2, 1);
    if (level < 0)
        return -1;
    at += 5;
    if (lv_starts(p, n, at, "MSGID: ")) {
        size_t id = lv_digits(p, n, at + 7);
        if (!id || !lv_starts(p, n, at + 7 + id, "] ["))
            return -1;
        at += 7 + id + 3;
    }
    size_t file = at;
    while (at < n && lv_graphic(p[at]) && p[at] != ':')
        at++;
    if (at == file || at >= n || p[at] != ':')
        return -1;
    size_t line = lv_digits(p, n, at + 1);
    if (!line || !lv_starts(p, n, at + 1 + line, ":"))
        return -1;
    at += 2 + line;
    size_t function = at;
    while (at < n && lv_graphic(p[at]))
        at++;
    return at > function && lv_starts(p, n, at, "] ") ? level : -1;
}

/* libvirt: [yyyy-mm-dd ]hh:mm:ss.mmm[(+|-)zzzz]: [tid: ]level : , or (no time) : tid: level : */
static int lv_libvirt(const unsigned char *p, size_t n) {
    static const LvName NAMES[] = {{"debug", 7}, {"info", 6}, {"warning", 4}, {"error", 3}};
    if (p[0] == ':') { /* the clock could not be read */
        size_t tid = lv_starts(p, n, 0, ": ") ? lv_digits(p, n, 2) : 0, at = 2 + tid, word = at + 2;
        if (!tid || !lv_starts(p, n, at, ": "))
            return -1;
        for (at = word; at < n && lv_lower(p[at]);)
            at++;
        return lv_starts(p, n, at, " : ") ? lv_named(NAMES, sizeof NAMES / sizeof NAMES[0], p + word, at - word) : -1;
    }
    size_t at = lv_shape(p, n, 0, "dddd-dd-dd ") ? 11 : 0;
    if (!lv_hms(p, n, at) || !lv_starts(p, n, at + 8, ".") || lv_digits(p, n, at + 9) != 3)
        return -1;
    at += 12;
    if (at < n && (p[at] == '+' || p[at] == '-')) {
        if (lv_digits(p, n, at + 1) < 4)
            return -1;
        at += 5;
    }
    if (!lv_starts(p, n, at, ": "))
        return -1;
    at += 2;
    size_t tid = lv_digits(p, n, at);
    if (tid && lv_starts(p, n, at + tid, ": "))
        at += tid + 2;
    size_t word = at;
    while (at < n && lv_lower(p[at]))
        at++;
    if (!lv_starts(p, n, at, " : "))
        return -1;
    return lv_named(NAMES, sizeof NAMES / sizeof NAMES[0], p + word, at - word);
}

/* certbot's FILE_FMT: yyyy-mm-dd hh:mm:ss,mmm:LEVEL:name: , the name [A-Za-z_][A-Za-z0-9_.-]* */
static int lv_certbot(const unsigned char *p, size_t n) {
    static const LvName NAMES[] = {{"DEBUG", 7}, {"INFO", 6}, {"WARNING", 4}, {"ERROR", 3}, {"CRITICAL", 2}};
    if (!lv_shape(p, n, 0, "dddd-dd-dd dd:dd:dd,ddd:"))
        return -1;
    size_t at = 24, word = at;
    while (at < n && lv_upper(p[at]))
        at++;
    int level = lv_named(NAMES, sizeof NAMES / sizeof NAMES[0], p + word, at - word);
    if (level < 0 || !lv_starts(p, n, at, ":"))
        return -1;
    at++;
    if (at >= n || !(lv_alpha(p[at]) || p[at] == '_'))
        return -1;
    while (at < n && (lv_alnum(p[at]) || p[at] == '_' || p[at] == '.' || p[at] == '-'))
        at++;
    return lv_starts(p, n, at, ":") ? level : -1;
}

/* Xorg: [[yyyy-mm-dd hh:mm:ss] | [ *seconds.mmm] | [hh:mm:ss.mmm] (SDDM's) ](XX) then a space, a newline or the end */
static int lv_xorg(const unsigned char *p, size_t n) {
    static const LvName NAMES[] = {{"EE", 3}, {"WW", 4}, {"!!", 5}, {"II", 6}, {"--", 6},
                                   {"**", 6}, {"==", 6}, {"++", 6}, {"NI", 6}, {"DB", 7}};
    size_t at = 0;
    if (p[0] == '[') {
        if (lv_shape(p, n, 0, "[dddd-dd-dd dd:dd:dd] ")) {
            at = 22;
        } else if (lv_shape(p, n, 0, "[dd:dd:dd.ddd] ")) {
            at = 15;
        } else {
            size_t i = 1;
            while (i < n && p[i] == ' ')
                i++;
            size_t d = lv_digits(p, n, i);
            if (!d || !lv_starts(p, n, i + d, ".") || lv_digits(p, n, i + d + 1) != 3 ||
                !lv_starts(p, n, i + d + 4, "] "))
                return -1;
            at = i + d + 6;
        }
    }
    if (n - at < 4 || p[at] != '(' || p[at + 3] != ')' || !(at + 4 == n || p[at + 4] == ' ' || p[at + 4] == '\n'))
        return -1;
    return lv_named(NAMES, sizeof NAMES / sizeof NAMES[0], p + at + 1, 2);
}

/* Ceph's cluster log: yyyy-mm-dd(T| )hh:mm:ss.ffffff[(+|-)zzzz] ( token){1,3} seq : [channel ][ABC] then a space,
 * a newline or the end; a token printable ASCII, seq digits, channel [a-z]+; [ABC] within LV_MAX_PREFIX bytes */
static int lv_ceph_cluster(const unsigned char *p, size_t n) {
    if (!lv_shape(p, n, 0, "dddd-dd-dd?dd:dd:dd.") || lv_digits(p, n, 20) != 6)
        return -1;
    size_t at = 26;
    if (at < n && (p[at] == '+' || p[at] == '-')) {
        if (lv_digits(p, n, at + 1) != 4)
            return -1;
        at += 5;
    }
    if (!lv_starts(p, n, at, " "))
        return -1;
    at++;
    for (int k = 0; k < 4; k++) { /* the sender's tokens (1 to 3), then the sequence number */
        size_t token = at;
        while (at < n && p[at] >= 0x21 && p[at] <= 0x7e)
            at++;
        if (at == token || at >= n || p[at] != ' ')
            return -1;
        if (k > 0 && lv_digits(p, n, token) == at - token && lv_starts(p, n, at, " : ")) {
            size_t channel = at + 3, e = channel;
            while (e < n && lv_lower(p[e]))
                e++;
            int bracket = e == channel || lv_starts(p, n, e, " ["); /* a channel (none in the oldest), a blank */
            e += e > channel;
            if (bracket && lv_starts(p, n, e, "[") && n - e >= 5 && lv_upper(p[e + 1]) && lv_upper(p[e + 2]) &&
                lv_upper(p[e + 3]) && p[e + 4] == ']' && (e + 5 == n || p[e + 5] == ' ' || p[e + 5] == '\n'))
                return e + 1 < LV_MAX_PREFIX ? lv_named(LV_CLOG, LV_N_CLOG, p + e + 1, 3) : -1;
        }
        at++;
    }
    return -1;
}

/* Python logging's time: yyyy-mm-dd(T| )hh:mm:ss[(.|,)f{1,9}] at `at`: the offset after it, or 0 */
static size_t lv_py_time(const unsigned char *p, size_t n, size_t at) {
    if (!lv_shape(p, n, at, "dddd-dd-dd?dd:dd:dd"))
        return 0;
    at += 19;
    if (at < n && (p[at] == '.' || p[at] == ',')) {
        size_t f = lv_digits(p, n, at + 1);
        if (f < 1 || f > 9)
            return 0;
        at += 1 + f;
    }
    return at;
}

static size_t lv_blanks(const unsigned char *p, size_t n, size_t at) {
    while (at < n && p[at] == ' ')
        at++;
    return at;
}

static const LvName LV_PYTHON[] = {{"DEBUG", 7}, {"INFO", 6}, {"WARNING", 4}, {"ERROR", 3}, {"CRITICAL", 2}};
#define LV_N_PYTHON (sizeof LV_PYTHON / sizeof LV_PYTHON[0])

/* Python logging after its time (at: right after it): ` +name +LEVEL *:` then a space, a newline or the end; the
 * name dotted identifiers ([A-Za-z_][A-Za-z0-9_-]*(\.[A-Za-z0-9_-]+)*), LEVEL within LV_MAX_PREFIX bytes */
static int lv_pylog_rest(const unsigned char *p, size_t n, size_t at) {
    size_t name = lv_blanks(p, n, at);
    if (name == at || name >= n || !(lv_alpha(p[name]) || p[name] == '_'))
        return -1;
    at = name;
    while (at < n && (lv_alnum(p[at]) || p[at] == '_' || p[at] == '-' || p[at] == '.')) {
        if (p[at] == '.' && (at + 1 >= n || p[at + 1] == '.' || p[at + 1] == ' '))
            return -1; /* an empty part */
        at++;
    }
    size_t word = lv_blanks(p, n, at);
    if (word == at)
        return -1;
    for (at = word; at < n && lv_upper(p[at]);)
        at++;
    int level = lv_named(LV_PYTHON, LV_N_PYTHON, p + word, at - word);
    at = lv_blanks(p, n, at);
    if (level < 0 || word >= LV_MAX_PREFIX || !lv_starts(p, n, at, ":"))
        return -1;
    return at + 1 == n || p[at + 1] == ' ' || p[at + 1] == '\n' ? level : -1;
}

/* Python logging's `[time] name level: ` or `time name level: `, maybe behind another such time (s6-log's) */
static int lv_pylog(const unsigned char *p, size_t n) {
    size_t at;
    if (p[0] == '[') {
        at = lv_py_time(p, n, 1);
        return at && lv_starts(p, n, at, "]") ? lv_pylog_rest(p, n, at + 1) : -1;
    }
    if (!(at = lv_py_time(p, n, 0)))
        return -1;
    size_t next = lv_blanks(p, n, at);
    if (next > at && next < n && (p[next] == '[' || lv_digit(p[next]))) { /* a second time: s6-log's, then its own */
        size_t end = p[next] == '[' ? lv_py_time(p, n, next + 1) : lv_py_time(p, n, next);
        if (!end || (p[next] == '[' && !lv_starts(p, n, end, "]")))
            return -1;
        return lv_pylog_rest(p, n, end + (p[next] == '['));
    }
    return lv_pylog_rest(p, n, at);
}

static int lv_tag_char(unsigned char c) { return lv_alnum(c) || c == '_' || c == '.' || c == '-'; }

/* OSSEC's and Wazuh's debug_op.c: yyyy/mm/dd hh:mm:ss tag[:module](: |[pid] file:line at func(): )LEVEL: */
static int lv_ossec(const unsigned char *p, size_t n) {
    if (!lv_shape(p, n, 0, "dddd/dd/dd dd:dd:dd "))
        return -1;
    size_t at = 20, tag = at;
    while (at < n && lv_tag_char(p[at]))
        at++;
    if (at == tag)
        return -1;
    if (at + 1 < n && p[at] == ':' && lv_tag_char(p[at + 1]))
        for (at++; at < n && lv_tag_char(p[at]);)
            at++;
    if (lv_starts(p, n, at, ": ")) {
        at += 2;
    } else { /* debug mode: [pid] file:line at func(): */
        size_t pid = lv_starts(p, n, at, "[") ? lv_digits(p, n, at + 1) : 0;
        if (!pid || !lv_starts(p, n, at + 1 + pid, "] "))
            return -1;
        size_t file = at += pid + 3;
        while (at < n && p[at] >= 0x21 && p[at] <= 0x7e && p[at] != ':')
            at++;
        size_t line = at > file && lv_starts(p, n, at, ":") ? lv_digits(p, n, at + 1) : 0;
        if (!line || !lv_starts(p, n, at + 1 + line, " at "))
            return -1;
        size_t func = at += line + 5;
        while (at < n && (lv_alnum(p[at]) || p[at] == '_'))
            at++;
        if (at == func || !lv_starts(p, n, at, "(): "))
            return -1;
        at += 4;
    }
    size_t word = at;
    while (at < n && lv_upper(p[at]))
        at++;
    int level = lv_named(LV_PYTHON, LV_N_PYTHON, p + word, at - word);
    return level >= 0 && word < LV_MAX_PREFIX && lv_starts(p, n, at, ": ") ? level : -1;
}

/* Suricata up to 6.x: [[pid] ]d/m/yyyy -- hh:mm:ss - [(file:line) ]<Level> ; 0 no such line (else level + 1: -1 when
 * the name is none of Suricata's, which ends the search as Python's .get does) */
static int lv_suricata(const unsigned char *p, size_t n, int *level) {
    static const LvName NAMES[] = {{"Emergency", 0}, {"Alert", 1}, {"Critical", 2}, {"Error", 3}, {"Warning", 4},
                                   {"Notice", 5},    {"Info", 6},  {"Perf", 7},     {"Config", 7}, {"Debug", 7}};
    size_t at = 0;
    if (p[0] == '[') {
        size_t pid = lv_digits(p, n, 1);
        if (!pid || !lv_starts(p, n, 1 + pid, "] "))
            return 0;
        at = pid + 3;
    }
    size_t d = lv_digits(p, n, at);
    if (d < 1 || d > 2 || !lv_starts(p, n, at + d, "/"))
        return 0;
    at += d + 1;
    d = lv_digits(p, n, at);
    if (d < 1 || d > 2 || !lv_starts(p, n, at + d, "/"))
        return 0;
    at += d + 1;
    if (!lv_shape(p, n, at, "dddd -- dd:dd:dd - "))
        return 0;
    at += 19;
    if (lv_starts(p, n, at, "(")) {
        size_t file = ++at;
        while (at < n && p[at] >= 0x21 && p[at] <= 0x7e && p[at] != '(' && p[at] != ')' && p[at] != ':')
            at++;
        size_t line = at > file && lv_starts(p, n, at, ":") ? lv_digits(p, n, at + 1) : 0;
        if (!line || !lv_starts(p, n, at + 1 + line, ") "))
            return 0;
        at += line + 3;
    }
    if (!lv_starts(p, n, at, "<"))
        return 0;
    size_t word = ++at;
    while (at < n && lv_alpha(p[at]))
        at++;
    if (at == word || !lv_starts(p, n, at, "> "))
        return 0;
    *level = lv_named(NAMES, sizeof NAMES / sizeof NAMES[0], p + word, at - word);
    return 1;
}

/* ZoneMinder's level code, the three bytes at `at`: its priority (ZONEMINDER_LEVELS), or -1 */
static int lv_zm_code(const unsigned char *p, size_t n, size_t at) {
    static const LvName NAMES[] = {{"INF", 6}, {"WAR", 4}, {"ERR", 3}, {"FAT", 3}, {"PNC", 3}, {"AUD", 5}, {"DBG", 7}};
    if (at > n || n - at < 3)
        return -1;
    if (p[at] == 'D' && p[at + 1] == 'B' && p[at + 2] >= '1' && p[at + 2] <= '9')
        return 7;
    return lv_named(NAMES, sizeof NAMES / sizeof NAMES[0], p + at, 3);
}

/* ZoneMinder's log file (Logger.pm, zm_logger.cpp): %x as digits, one of ./- , digits, the same, digits, then
 * ` hh:mm:ss.ffffff id[pid].CODE` and ` [` or `-file/line [` */
static int lv_zoneminder(const unsigned char *p, size_t n) {
    size_t d = lv_digits(p, n, 0);
    if (d < 1 || d > 4 || d >= n || (p[d] != '.' && p[d] != '/' && p[d] != '-'))
        return -1;
    unsigned char sep = p[d];
    size_t at = d + 1;
    d = lv_digits(p, n, at);
    if (d < 1 || d > 2 || at + d >= n || p[at + d] != sep)
        return -1;
    at += d + 1;
    d = lv_digits(p, n, at);
    if (d < 1 || d > 4 || !lv_shape(p, n, at + d, " dd:dd:dd.dddddd "))
        return -1;
    size_t id = at += d + 17;
    while (at < n && lv_tag_char(p[at]))
        at++;
    size_t pid = at > id && lv_starts(p, n, at, "[") ? lv_digits(p, n, at + 1) : 0;
    if (!pid || !lv_starts(p, n, at + 1 + pid, "]."))
        return -1;
    at += pid + 3;
    int level = lv_zm_code(p, n, at);
    if (level < 0)
        return -1;
    at += 3;
    if (lv_starts(p, n, at, " ["))
        return level;
    if (!lv_starts(p, n, at, "-"))
        return -1;
    size_t file = ++at;
    while (at < n && (lv_tag_char(p[at]) || p[at] == '+'))
        at++;
    size_t line = at > file && lv_starts(p, n, at, "/") ? lv_digits(p, n, at + 1) : 0;
    return line && lv_starts(p, n, at + 1 + line, " [") ? level : -1;
}

/* What ZoneMinder sends to syslog: CODE [...] , the message's last byte `]` */
static int lv_zoneminder_syslog(const unsigned char *p, size_t n) {
    int level = lv_zm_code(p, n, 0);
    return level >= 0 && n >= 6 && lv_starts(p, n, 3, " [") && p[n - 1] == ']' ? level : -1;
}

/* daemon_level: the level of one of these formats at the start, or -1 */
static int lv_daemon(const unsigned char *p, size_t n) {
    unsigned char first = p[0];
    int level;
    if (first == '[' && (level = lv_gluster(p, n)) >= 0)
        return level;
    if ((first == '[' || lv_digit(first)) && lv_suricata(p, n, &level))
        return level;
    if ((first == '[' || lv_digit(first)) && (level = lv_pylog(p, n)) >= 0)
        return level;
    if ((first == '[' || first == '(') && (level = lv_xorg(p, n)) >= 0)
        return level;
    if (first == ':')
        return lv_libvirt(p, n);
    if (first && strchr("IWEFPAD", first))
        return lv_zoneminder_syslog(p, n);
    if (lv_digit(first)) {
        if ((level = lv_zoneminder(p, n)) >= 0)
            return level;
        if ((level = lv_libvirt(p, n)) >= 0)
            return level;
        if ((level = lv_certbot(p, n)) >= 0)
            return level;
        if ((level = lv_ceph_cluster(p, n)) >= 0)
            return level;
        return lv_ossec(p, n);
    }
    return -1;
}

#endif
