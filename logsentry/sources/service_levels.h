/*
 * service_levels.h: the fixed formats of self-hosted services' own console loggers (Icinga 2's StreamLogger,
 * Node-RED's consoleLogger, Zigbee2MQTT 1.x's winston printf), part of step 3 (format_levels.h).
 *
 * The twin of logsentry/engine/service_levels.py, which documents each format and where it comes from;
 * tests/test_levels_services.py holds the two to the same answer. Included by format_levels.h after go_levels.h
 * (lv_digits, lv_shape, lv_hms, LvName, lv_named).
 */
#ifndef LOGSENTRY_SERVICE_LEVELS_H
#define LOGSENTRY_SERVICE_LEVELS_H

#define LV_SERVICE_FIRST "[0123456789Zdnicwe" /* service_levels.FIRST */

/* Icinga 2: [yyyy-mm-dd hh:mm:ss +zzzz] severity/Facility: (the time optional), Facility [A-Za-z0-9_]+ */
static int lv_icinga(const unsigned char *p, size_t n) {
    static const LvName NAMES[] = {{"debug", 7}, {"notice", 5}, {"information", 6}, {"warning", 4}, {"critical", 2}};
    size_t at = 0;
    if (n > 0 && p[0] == '[') {
        if (!lv_shape(p, n, 0, "[dddd-dd-dd dd:dd:dd ") || n < 28 || (p[21] != '+' && p[21] != '-') ||
            lv_digits(p, n, 22) != 4 || !lv_starts(p, n, 26, "] "))
            return -1;
        at = 28;
    }
    size_t word = at;
    while (at < n && lv_lower(p[at]))
        at++;
    if (at == word || at >= n || p[at] != '/')
        return -1;
    int level = lv_named(NAMES, sizeof NAMES / sizeof NAMES[0], p + word, at - word);
    size_t facility = ++at;
    while (at < n && (lv_alnum(p[at]) || p[at] == '_'))
        at++;
    return level >= 0 && at > facility && lv_starts(p, n, at, ": ") ? level : -1;
}

/* Node-RED: D Mon hh:mm:ss - [level] , the day one or two digits */
static int lv_node_red(const unsigned char *p, size_t n) {
    static const LvName NAMES[] = {{"fatal", 2}, {"error", 3}, {"warn", 4},  {"info", 6},
                                   {"debug", 7}, {"trace", 7}, {"audit", 6}, {"metric", 6}};
    static const char months[] = "JanFebMarAprMayJunJulAugSepOctNovDec";
    size_t at = lv_digits(p, n, 0);
    if (at < 1 || at > 2 || n - at < 19 || p[at] != ' ')
        return -1;
    at++;
    int month = 0;
    for (size_t k = 0; k < sizeof months - 1; k += 3)
        month |= memcmp(p + at, months + k, 3) == 0;
    if (!month || p[at + 3] != ' ' || !lv_hms(p, n, at + 4) || !lv_starts(p, n, at + 12, " - ["))
        return -1;
    at += 16;
    size_t word = at;
    while (at < n && lv_lower(p[at]))
        at++;
    if (!lv_starts(p, n, at, "] "))
        return -1;
    return lv_named(NAMES, sizeof NAMES / sizeof NAMES[0], p + word, at - word);
}

/* Zigbee2MQTT 1.x: [Zigbee2MQTT:]LEVEL yyyy-mm-dd hh:mm:ss: , LEVEL padded to five ("info ", "error") */
static int lv_zigbee2mqtt(const unsigned char *p, size_t n) {
    static const LvName NAMES[] = {{"info ", 6}, {"warn ", 4}, {"error", 3}, {"debug", 7}};
    size_t at = lv_starts(p, n, 0, "Zigbee2MQTT:") ? 12 : 0;
    if (n - at < 27 || !lv_shape(p, n, at + 5, " dddd-dd-dd ") || !lv_hms(p, n, at + 17) ||
        !lv_starts(p, n, at + 25, ": "))
        return -1;
    return lv_named(NAMES, sizeof NAMES / sizeof NAMES[0], p + at, 5);
}

/* service_level: the level of one of these formats at the start, or -1 */
static int lv_service(const unsigned char *p, size_t n) {
    unsigned char first = p[0];
    int level;
    if ((first == '[' || strchr("dnicw", first)) && first && (level = lv_icinga(p, n)) >= 0)
        return level;
    if (lv_digit(first) && (level = lv_node_red(p, n)) >= 0)
        return level;
    if (strchr("Ziwed", first) && first)
        return lv_zigbee2mqtt(p, n);
    return -1;
}

#endif
