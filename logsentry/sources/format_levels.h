/*
 * format_levels.h: step 3 of levels.h, fixed line formats whose level is a letter, a mark or a number (glog/klog/
 * abseil, CockroachDB's crdb-v1/v2 and Gitea in go_levels.h; MongoDB's text, and its 4.4+ JSON severity which step 2
 * reads, in mongo_levels.h; here ClickHouse's `<Priority>`, Redis and Valkey, Go's runtime, .NET's `fail:
 * Category[EventId]`, Sidekiq 6+, Ceph, Monolog's LineFormatter and Erlang/OTP's report headers; Icinga 2, Node-RED
 * and Zigbee2MQTT 1.x in service_levels.h; GlusterFS, libvirt, certbot, Xorg and Ceph's cluster log file in
 * daemon_levels.h).
 *
 * The twin of logsentry/engine/format_levels.py, which documents each format and where it comes from;
 * tests/test_levels.py and tests/test_levels_formats.py hold the two to the same answer. Included by levels.h
 * after its helpers (lv_starts, lv_digit, ...), which this file uses.
 */
#ifndef LOGSENTRY_FORMAT_LEVELS_H
#define LOGSENTRY_FORMAT_LEVELS_H

#define LV_FIXED_FIRST "IWEFPDT0123456789[pf=d Znicwe(:XACNL" /* the formats' first characters (FIXED_FIRST) */
#define LV_MONGO_JSON_START "{\"t\":{\"$date\":\"" /* MONGO_JSON_START */

#include "go_levels.h"
#include "mongo_levels.h"
#include "service_levels.h"
#include "daemon_levels.h"

/* ClickHouse: yyyy.mm.dd hh:mm:ss[.f+] [ tid ] [{query_id} ]<Priority> , the query id printable ASCII but space,
 * { and }; the priority named within LV_MAX_PREFIX bytes (CLICKHOUSE_LEVELS: Poco's SyslogChannel's levels) */
static int lv_clickhouse(const unsigned char *p, size_t n) {
    static const LvName NAMES[] = {{"Fatal", 1},       {"Critical", 2}, {"Error", 3}, {"Warning", 4}, {"Notice", 5},
                                   {"Information", 6}, {"Debug", 7},    {"Trace", 7}, {"Test", 7}};
    if (n < 19 || !lv_shape(p, n, 0, "dddd.dd.dd "))
        return -1;
    if (!lv_hms(p, n, 11))
        return -1;
    size_t at = 19;
    if (at < n && p[at] == '.') {
        size_t f = lv_digits(p, n, at + 1);
        if (f == 0)
            return -1;
        at += 1 + f;
    }
    if (!lv_starts(p, n, at, " [ "))
        return -1;
    at += 3;
    size_t tid = lv_digits(p, n, at);
    if (!tid || !lv_starts(p, n, at + tid, " ] "))
        return -1;
    at += tid + 3;
    if (at < n && p[at] == '{') {
        size_t i = at + 1;
        while (i < n && p[i] >= 0x21 && p[i] <= 0x7e && p[i] != '{' && p[i] != '}')
            i++;
        if (!lv_starts(p, n, i, "} "))
            return -1;
        at = i + 2;
    }
    if (at >= n || p[at] != '<')
        return -1;
    size_t word = at + 1, end = word;
    while (end < n && lv_alpha(p[end]))
        end++;
    if (end == word || !lv_starts(p, n, end, "> ") || word >= LV_MAX_PREFIX)
        return -1;
    return lv_named(NAMES, sizeof NAMES / sizeof NAMES[0], p + word, end - word);
}

/* Valkey's log-timestamp-format iso8601 at `at`: yyyy-mm-ddThh:mm:ss.mmm+hh:mm (29 bytes) */
static int lv_iso_time(const unsigned char *p, size_t n, size_t at) {
    static const char shape[] = "dddd-dd-ddTdd:dd:dd.ddd+dd:dd";
    if (n - at < 29)
        return 0;
    for (size_t i = 0; i < 29; i++) {
        unsigned char c = p[at + i];
        if (shape[i] == 'd' ? !lv_digit(c) : shape[i] == '+' ? c != '+' && c != '-' : c != (unsigned char)shape[i])
            return 0;
    }
    return 1;
}

/* Redis: (pid:role | [pid]) dd Mon [yyyy ]hh:mm:ss[.mmm] level-char; Valkey's other timestamps after pid:role */
static int lv_redis(const unsigned char *p, size_t n) {
    size_t at;
    if (p[0] == '[') {
        at = 1 + lv_digits(p, n, 1);
        if (at == 1 || n - at < 2 || p[at] != ']' || p[at + 1] != ' ')
            return -1;
        at += 2;
    } else {
        at = lv_digits(p, n, 0);
        if (!at || n - at < 3 || p[at] != ':' ||
            !(p[at + 1] == 'X' || p[at + 1] == 'C' || p[at + 1] == 'S' || p[at + 1] == 'M') || p[at + 2] != ' ')
            return -1;
        at += 3;
    }
    size_t lead = lv_digits(p, n, at);
    if (lead == 13) { /* Valkey: milliseconds since the epoch */
        at += 13;
    } else if (lead == 4 && at + 4 < n && p[at + 4] == '-') { /* Valkey: ISO 8601 */
        if (!lv_iso_time(p, n, at))
            return -1;
        at += 29;
    } else {
        if (lead < 1 || lead > 2) /* the day */
            return -1;
        at += lead;
        if (n - at < 5 || p[at] != ' ' || !lv_upper(p[at + 1]) || !lv_lower(p[at + 2]) || !lv_lower(p[at + 3]) ||
            p[at + 4] != ' ')
            return -1;
        at += 5;
        if (lv_digits(p, n, at) == 4 && n - at >= 5 && p[at + 4] == ' ')
            at += 5; /* the year */
        if (!lv_hms(p, n, at))
            return -1;
        at += 8;
        if (at < n && p[at] == '.') {
            if (n - at < 4 || !lv_digit(p[at + 1]) || !lv_digit(p[at + 2]) || !lv_digit(p[at + 3]))
                return -1;
            at += 4;
        }
    }
    if (n - at < 3 || p[at] != ' ' || p[at + 2] != ' ')
        return -1;
    switch (p[at + 1]) {
    case '.': case '-': return 7;
    case '*': return 5;
    case '#': return 4;
    }
    return -1;
}

/* Ceph on stderr (ceph_level): [debug ][ *-?digits> ]yyyy-mm-dd(T| )hh:mm:ss.f{3,6}[(+|-)zzzz] hex prio then a
 * space, prio as "%2d" (-d, " d" or dd); then maybe a cluster log line's "log_channel(name) log [ABC] : ", whose
 * code decides (clog_type_to_syslog_level); else the prio as Journald.cc's map_prio maps it */
static int lv_ceph(const unsigned char *p, size_t n) {
    size_t at = lv_starts(p, n, 0, "debug ") ? 6 : 0, i = at;
    while (i < n && p[i] == ' ')
        i++;
    if (i < n && p[i] == '-')
        i++;
    size_t d = lv_digits(p, n, i);
    if (d && lv_starts(p, n, i + d, "> ")) /* a crash dump's "%6ld> " */
        at = i + d + 2;
    if (n - at < 24 || !lv_shape(p, n, at, "dddd-dd-dd?dd:dd:dd."))
        return -1;
    at += 20;
    size_t f = lv_digits(p, n, at);
    if (f < 3 || f > 6)
        return -1;
    if (!(at = lv_suffix_space(p, n, at + f, "+-", 4)))
        return -1;
    size_t hex = at;
    while (at < n && (lv_digit(p[at]) || (p[at] >= 'a' && p[at] <= 'f')))
        at++;
    if (at == hex || !lv_starts(p, n, at, " ") || n - at < 4)
        return -1;
    at++;
    int prio;
    if (p[at] == '-' && lv_digit(p[at + 1]))
        prio = -(p[at + 1] - '0');
    else if (p[at] == ' ' && lv_digit(p[at + 1]))
        prio = p[at + 1] - '0';
    else if (lv_digit(p[at]) && lv_digit(p[at + 1]))
        prio = (p[at] - '0') * 10 + (p[at + 1] - '0');
    else
        return -1;
    at += 2;
    if (!lv_starts(p, n, at, " "))
        return -1;
    at++;
    if (lv_starts(p, n, at, "log_channel(")) {
        size_t name = at + 12, e = name;
        while (e < n && lv_lower(p[e]))
            e++;
        if (e > name && lv_starts(p, n, e, ") log [") && n - e >= 13 && lv_upper(p[e + 7]) && lv_upper(p[e + 8]) &&
            lv_upper(p[e + 9]) && lv_starts(p, n, e + 10, "] : "))
            return lv_named(LV_CLOG, LV_N_CLOG, p + e + 7, 3);
    }
    return prio < 0 ? 3 : prio == 0 ? 4 : prio < 5 ? 5 : prio < 10 ? 6 : 7;
}

/* stunnel (src/log.c, format_levels._STUNNEL): [yyyy.mm.dd hh:mm:ss ]LOGn[id]: , n 0..7 its syslog level, the id 1 to 64
 * bytes of printable ASCII but [ and ] */
static int lv_stunnel(const unsigned char *p, size_t n) {
    size_t at = lv_shape(p, n, 0, "dddd.dd.dd dd:dd:dd ") ? 20 : 0;
    if (!lv_starts(p, n, at, "LOG") || n - at < 6 || p[at + 3] < '0' || p[at + 3] > '7' || p[at + 4] != '[')
        return -1;
    size_t id = at + 5, e = id;
    while (e < n && e - id < 65 && p[e] >= 0x20 && p[e] <= 0x7e && p[e] != '[' && p[e] != ']')
        e++;
    return e > id && e - id <= 64 && lv_starts(p, n, e, "]: ") ? p[at + 3] - '0' : -1;
}

/* zap's console encoder, a lower-case level (format_levels._ZAP_CONSOLE): a digit and up to 63 more bytes of printable
 * ASCII (blanks too), a tab, the level, a tab */
static int lv_zap_console(const unsigned char *p, size_t n) {
    static const LvName NAMES[] = {{"debug", 7}, {"info", 6},   {"warn", 4}, {"error", 3},
                                   {"dpanic", 2}, {"panic", 0}, {"fatal", 2}};
    size_t at = 1;
    while (at < n && at < 64 && p[at] >= 0x20 && p[at] <= 0x7e)
        at++;
    if (at >= n || p[at] != '\t')
        return -1;
    size_t word = ++at;
    while (at < n && lv_lower(p[at]))
        at++;
    return lv_starts(p, n, at, "\t") ? lv_named(NAMES, sizeof NAMES / sizeof NAMES[0], p + word, at - word) : -1;
}

/* Erlang/OTP: =TITLE REPORT==== d-Mon-yyyy::hh:mm:ss[.f+] === then the end of the line */
static int lv_erlang(const unsigned char *p, size_t n) {
    static const struct {
        const char *title;
        int level;
    } TITLES[] = {{"EMERGENCY", 0}, {"ALERT", 1},   {"CRITICAL", 2}, {"ERROR", 3}, {"CRASH", 3}, {"SUPERVISOR", 3},
                  {"WARNING", 4},   {"NOTICE", 5},  {"INFO", 6},     {"PROGRESS", 6}, {"DEBUG", 7}};
    size_t at = 1;
    while (at < n && lv_upper(p[at]))
        at++;
    if (at == 1 || !lv_starts(p, n, at, " REPORT==== "))
        return -1;
    int level = -1;
    for (size_t k = 0; k < sizeof TITLES / sizeof TITLES[0]; k++)
        if (strlen(TITLES[k].title) == at - 1 && memcmp(TITLES[k].title, p + 1, at - 1) == 0)
            level = TITLES[k].level;
    at += 12;
    size_t day = lv_digits(p, n, at);
    if (day < 1 || day > 2)
        return -1;
    at += day;
    if (n - at < 6 || p[at] != '-' || !lv_upper(p[at + 1]) || !lv_lower(p[at + 2]) || !lv_lower(p[at + 3]) ||
        p[at + 4] != '-')
        return -1;
    at += 5;
    if (lv_digits(p, n, at) != 4 || !lv_starts(p, n, at + 4, "::") || !lv_hms(p, n, at + 6))
        return -1;
    at += 14;
    if (at < n && p[at] == '.') {
        size_t f = lv_digits(p, n, at + 1);
        if (f == 0)
            return -1;
        at += 1 + f;
    }
    if (!lv_starts(p, n, at, " ===") || !(at + 4 == n || p[at + 4] == '\n'))
        return -1;
    return level;
}

/* Sidekiq's time: yyyy-mm-ddThh:mm:ss, then .mmm (`millis`: required, else optional) and Z; where it ends, or 0 */
static size_t lv_sidekiq_time(const unsigned char *p, size_t n, int millis) {
    static const char shape[] = "dddd-dd-ddTdd:dd:dd";
    size_t at = sizeof shape - 1;
    if (n < at)
        return 0;
    for (size_t i = 0; i < at; i++)
        if (shape[i] == 'd' ? !lv_digit(p[i]) : p[i] != (unsigned char)shape[i])
            return 0;
    if (at < n && p[at] == '.') {
        if (lv_digits(p, n, at + 1) != 3)
            return 0;
        at += 4;
    } else if (millis) {
        return 0;
    }
    return lv_starts(p, n, at, "Z") ? at + 1 : 0;
}

/* After Sidekiq's thread id: ( token)* SEVERITY: (then a space, a newline or the end), a token key=value
 * (`key_values`: Sidekiq 6+) or letters, digits and _:.- (3-5: a job's class, JID-...) */
static int lv_sidekiq_severity(const unsigned char *p, size_t n, size_t at, int key_values) {
    static const struct {
        const char *word;
        int level;
    } LEVELS[] = {{"DEBUG", 7}, {"INFO", 6}, {"WARN", 4}, {"ERROR", 3}, {"FATAL", 2}};
    while (at < n && p[at] == ' ') {
        size_t word = at + 1, end = word;
        while (end < n && lv_upper(p[end]))
            end++;
        for (size_t k = 0; k < sizeof LEVELS / sizeof LEVELS[0]; k++)
            if (strlen(LEVELS[k].word) == end - word && memcmp(LEVELS[k].word, p + word, end - word) == 0 &&
                end < n && p[end] == ':' && (end + 1 == n || p[end + 1] == ' ' || p[end + 1] == '\n'))
                return word < 200 ? LEVELS[k].level : -1; /* MAX_PREFIX */
        end = word;
        if (key_values) { /* key=value: a key, '=', then anything but a blank */
            if (end >= n || !(lv_alpha(p[end]) || p[end] == '_'))
                return -1;
            while (end < n && (lv_alnum(p[end]) || p[end] == '_'))
                end++;
            if (end >= n || p[end] != '=')
                return -1;
            end++;
            while (end < n && p[end] >= 0x21 && p[end] <= 0x7e)
                end++;
        } else {
            while (end < n && (lv_alnum(p[end]) || p[end] == '_' || p[end] == ':' || p[end] == '.' || p[end] == '-'))
                end++;
            if (end == word)
                return -1;
        }
        at = end;
    }
    return -1;
}

/* Sidekiq 6+: yyyy-mm-ddThh:mm:ss.mmmZ pid=P tid=T( key=value)* SEVERITY: ; Sidekiq 3-5 (Logging::Pretty):
 * yyyy-mm-ddThh:mm:ss[.mmm]Z PID TID-tid( context)* SEVERITY: */
static int lv_sidekiq(const unsigned char *p, size_t n) {
    size_t at = lv_sidekiq_time(p, n, 1);
    int key_values = 1;
    if (at && lv_starts(p, n, at, " pid=")) {
        at += 5;
        size_t pid = lv_digits(p, n, at);
        if (!pid || !lv_starts(p, n, at + pid, " tid="))
            return -1;
        at += pid + 5;
    } else if ((at = lv_sidekiq_time(p, n, 0)) != 0 && at < n && p[at] == ' ') {
        at++;
        size_t pid = lv_digits(p, n, at);
        if (!pid || !lv_starts(p, n, at + pid, " TID-"))
            return -1;
        at += pid + 5;
        key_values = 0;
    } else {
        return -1;
    }
    size_t tid = at;
    while (at < n && (lv_lower(p[at]) || lv_digit(p[at])))
        at++;
    return at == tid ? -1 : lv_sidekiq_severity(p, n, at, key_values);
}

/* .NET's SimpleConsoleFormatter: fail: Category[EventId] then a space, a newline or the end (err) */
static int lv_dotnet_fail(const unsigned char *p, size_t n) {
    size_t at = 6;
    if (!lv_starts(p, n, 0, "fail: ") || at >= n || !(lv_alpha(p[at]) || p[at] == '_'))
        return -1;
    while (at < n && (lv_alpha(p[at]) || lv_digit(p[at]) || p[at] == '_' || p[at] == '.' || p[at] == '`' ||
                      p[at] == '+'))
        at++;
    size_t id = at < n && p[at] == '[' ? lv_digits(p, n, at + 1) : 0;
    if (!id)
        return -1;
    at += 1 + id;
    if (at >= n || p[at] != ']')
        return -1;
    at++;
    return at == n || p[at] == ' ' || p[at] == '\n' ? 3 : -1;
}

/* CUPS's error_log (scheduler/log.c cupsdLogMessage): the level's letter of " XACEWNIDd", a blank, the time in
   Common Log Format in brackets (`[24/Sep/2020:15:35:45 +0300]`), a blank (format_levels.py _CUPS) */
static int lv_cups(const unsigned char *p, size_t n) {
    static const char shape[] = "? [00/Aaa/0000:00:00:00 +0000] ";
    static const char letters[] = "XACEWNIDd";
    size_t size = sizeof shape - 1;
    if (n < size)
        return -1;
    for (size_t at = 0; at < size; at++) {
        unsigned char want = (unsigned char)shape[at], c = p[at];
        if (want == '?' ? !(c && strchr(letters, c)) : want == '0' ? !lv_digit(c) :
            want == 'A' ? !(c >= 'A' && c <= 'Z') : want == 'a' ? !(c >= 'a' && c <= 'z') :
            want == '+' ? !(c == '+' || c == '-') : c != want)
            return -1;
    }
    /* the regex's digit ranges: day [0-3][0-9], hour [0-2][0-9], minute [0-5][0-9], second [0-6][0-9] */
    if (p[3] > '3' || p[15] > '2' || p[18] > '5' || p[21] > '6')
        return -1;
    static const int levels[] = {0, 1, 2, 3, 4, 5, 6, 7, 7};
    return levels[strchr(letters, p[0]) - letters];
}

/* Monolog's LineFormatter: [datetime] channel.LEVEL: then a space, a newline or the end; the datetime a bracket
   that starts with a digit, printable ASCII but [ and ], at most 64 bytes; the channel [A-Za-z0-9_-]{1,64} */
static int lv_monolog(const unsigned char *p, size_t n) {
    static const struct {
        const char *word;
        int level;
    } LEVELS[] = {{"DEBUG", 7}, {"INFO", 6},     {"NOTICE", 5}, {"WARNING", 4},
                  {"ERROR", 3}, {"CRITICAL", 2}, {"ALERT", 1},  {"EMERGENCY", 0}};
    if (n < 2 || p[0] != '[' || !lv_digit(p[1]))
        return -1;
    size_t at = 2;
    while (at < n && at < 65 && p[at] >= 0x20 && p[at] <= 0x7e && p[at] != '[' && p[at] != ']')
        at++;
    if (!lv_starts(p, n, at, "] "))
        return -1;
    at += 2;
    size_t channel = at;
    while (at < n && at - channel < 64 && (lv_alnum(p[at]) || p[at] == '_' || p[at] == '-'))
        at++;
    if (at == channel || at >= n || p[at] != '.')
        return -1;
    size_t word = ++at;
    while (at < n && lv_upper(p[at]))
        at++;
    if (at >= n || p[at] != ':' || !(at + 1 == n || p[at + 1] == ' ' || p[at + 1] == '\n'))
        return -1;
    for (size_t k = 0; k < sizeof LEVELS / sizeof LEVELS[0]; k++)
        if (strlen(LEVELS[k].word) == at - word && memcmp(LEVELS[k].word, p + word, at - word) == 0)
            return LEVELS[k].level;
    return -1;
}

/* fixed_level: the level of a fixed format at the start */
static int lv_fixed(const unsigned char *p, size_t n) {
    unsigned char first = p[0];
    int level;
    if (strchr("PFEWIDT", first) && first && (level = lv_logrus_tty(p, n)) >= 0)
        return level;
    if ((first == 'I' || first == 'W' || first == 'E' || first == 'F') && (level = lv_glog(p, n)) >= 0)
        return level;
    if ((first == 'I' || first == 'W' || first == 'E' || first == 'F') && (level = lv_cockroach(p, n)) >= 0)
        return level;
    if ((first == 'I' || first == 'W' || first == 'E' || first == 'F') && (level = lv_seaweed_glog(p, n)) >= 0)
        return level;
    if ((lv_digit(first) || first == 'L') && (level = lv_stunnel(p, n)) >= 0)
        return level;
    if (lv_digit(first) && (level = lv_zap_console(p, n)) >= 0)
        return level;
    if (lv_digit(first) && (level = lv_clickhouse(p, n)) >= 0)
        return level;
    if ((lv_digit(first) || first == '[') && (level = lv_redis(p, n)) >= 0)
        return level;
    if (first == '[' && (level = lv_monolog(p, n)) >= 0)
        return level;
    if (lv_starts(p, n, 0, "panic: ") || lv_starts(p, n, 0, "fatal error: "))
        return 2;
    if (first == 'f' && (level = lv_dotnet_fail(p, n)) >= 0)
        return level;
    if (strchr("XACEWNIDd", first) && first && (level = lv_cups(p, n)) >= 0)
        return level;
    if (lv_digit(first) && (level = lv_sidekiq(p, n)) >= 0)
        return level;
    if (lv_digit(first) && (level = lv_mongo_text(p, n)) >= 0)
        return level;
    if (lv_digit(first) && (level = lv_gitea(p, n)) >= 0)
        return level;
    if ((lv_digit(first) || first == 'd' || first == ' ') && (level = lv_ceph(p, n)) >= 0)
        return level;
    if (first == '=')
        return lv_erlang(p, n);
    if (strchr(LV_DAEMON_FIRST, first) && first && (level = lv_daemon(p, n)) >= 0)
        return level;
    if (strchr(LV_SERVICE_FIRST, first) && first)
        return lv_service(p, n);
    return -1;
}

#endif
