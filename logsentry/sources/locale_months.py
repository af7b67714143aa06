"""The months' abbreviations as journalctl's `short` layouts print them in other languages than English.

journalctl formats a `short` time with strftime's `%b %d %H:%M:%S` in the reader's LC_TIME (systemd's
src/shared/logs-show.c), so a bug report pasted from a Chinese, German or Russian desktop says `4月 12`, `Mär 12`
or `мая 12`, never `Apr 12`. These are glibc's own (its localedata, /usr/share/i18n/locales: `abmon`, and
`ab_alt_mon` where it has one) for the languages below, taken whole as glibc writes them (Japanese and Korean
with their leading blank: ` 4月`); no abbreviation names two months among them or clashes with English
(tests/test_text_locale_months.py checks the table against glibc's files). Syslog files are written in English
(RFC 3164), whatever the locale: only text read as journalctl's uses this.
"""

# ruff: noqa: RUF001 (the months in Cyrillic and Greek letters, and Catalan's apostrophe, are what glibc writes)

from __future__ import annotations

LOCALES = ("zh_CN", "zh_TW", "ja_JP", "ko_KR", "de_DE", "fr_FR", "es_ES", "pt_BR", "pt_PT", "it_IT", "ru_RU", "pl_PL",
           "nl_NL", "tr_TR", "uk_UA", "cs_CZ", "sv_SE", "da_DK", "nb_NO", "fi_FI", "hu_HU", "ro_RO", "el_GR", "vi_VN",
           "id_ID", "ca_ES", "sk_SK", "bg_BG")
"""The locales whose abbreviations are read: the languages Linux desktops and servers are most set to."""

LOCALE_MONTHS: dict[str, int] = {
    "1月": 1, "2月": 2, "3月": 3, "4月": 4, "5月": 5, "6月": 6, "7月": 7, "8月": 8, "9月": 9, "10月": 10,
    "11月": 11, "12月": 12, " 1月": 1, " 2月": 2, " 3月": 3, " 4月": 4, " 5月": 5, " 6月": 6, " 7月": 7,
    " 8月": 8, " 9月": 9, " 1월": 1, " 2월": 2, " 3월": 3, " 4월": 4, " 5월": 5, " 6월": 6, " 7월": 7,
    " 8월": 8, " 9월": 9, "10월": 10, "11월": 11, "12월": 12, "Mär": 3, "Mai": 5, "Okt": 10,
    "Dez": 12, "janv.": 1, "févr.": 2, "mars": 3, "avril": 4, "mai": 5, "juin": 6, "juil.": 7,
    "août": 8, "sept.": 9, "oct.": 10, "nov.": 11, "déc.": 12, "ene": 1, "feb": 2, "mar": 3,
    "abr": 4, "may": 5, "jun": 6, "jul": 7, "ago": 8, "sep": 9, "oct": 10, "nov": 11,
    "dic": 12, "jan": 1, "fev": 2, "set": 9, "out": 10, "dez": 12, "gen": 1, "apr": 4,
    "mag": 5, "giu": 6, "lug": 7, "ott": 10, "янв": 1, "фев": 2, "мар": 3, "апр": 4, "мая": 5,
    "июн": 6, "июл": 7, "авг": 8, "сен": 9, "окт": 10, "ноя": 11, "дек": 12, "май": 5,
    "sty": 1, "lut": 2, "kwi": 4, "maj": 5, "cze": 6, "lip": 7, "sie": 8, "wrz": 9, "paź": 10,
    "lis": 11, "gru": 12, "mrt": 3, "mei": 5, "aug": 8, "okt": 10, "dec": 12, "Oca": 1,
    "Şub": 2, "Nis": 4, "Haz": 6, "Tem": 7, "Ağu": 8, "Eyl": 9, "Eki": 10, "Kas": 11,
    "Ara": 12, "січ": 1, "лют": 2, "бер": 3, "кві": 4, "тра": 5, "чер": 6, "лип": 7, "сер": 8,
    "вер": 9, "жов": 10, "лис": 11, "гру": 12, "led": 1, "úno": 2, "bře": 3, "dub": 4,
    "kvě": 5, "čen": 6, "čec": 7, "srp": 8, "zář": 9, "říj": 10, "pro": 12, "jan.": 1,
    "feb.": 2, "april": 4, "juni": 6, "juli": 7, "aug.": 8, "sep.": 9, "okt.": 10, "des.": 12,
    "tammi": 1, "helmi": 2, "maalis": 3, "huhti": 4, "touko": 5, "kesä": 6, "heinä": 7,
    "elo": 8, "syys": 9, "loka": 10, "marras": 11, "joulu": 12, "febr": 2, "márc": 3, "ápr": 4,
    "máj": 5, "jún": 6, "júl": 7, "szept": 9, "ian": 1, "iun": 6, "iul": 7, "Ιαν": 1, "Φεβ": 2,
    "Μαρ": 3, "Απρ": 4, "Μαΐ": 5, "Ιουν": 6, "Ιουλ": 7, "Αυγ": 8, "Σεπ": 9, "Οκτ": 10,
    "Νοε": 11, "Δεκ": 12, "Μάρ": 3, "Μάι": 5, "Ιούν": 6, "Ιούλ": 7, "Αύγ": 8, "Νοέ": 11,
    "Thg 1": 1, "Thg 2": 2, "Thg 3": 3, "Thg 4": 4, "Thg 5": 5, "Thg 6": 6, "Thg 7": 7,
    "Thg 8": 8, "Thg 9": 9, "Thg 10": 10, "Thg 11": 11, "Thg 12": 12, "Mei": 5, "Agu": 8,
    "Des": 12, "de gen.": 1, "de febr.": 2, "de març": 3, "d’abr.": 4, "de maig": 5,
    "de juny": 6, "de jul.": 7, "d’ag.": 8, "de set.": 9, "d’oct.": 10, "de nov.": 11,
    "de des.": 12, "gen.": 1, "febr.": 2, "març": 3, "abr.": 4, "maig": 5, "juny": 6,
    "jul.": 7, "ag.": 8, "set.": 9, "яну": 1, "юни": 6, "юли": 7, "сеп": 9, "ное": 11,
}
"""Abbreviation -> month (1..12), beside English (text_times.MONTHS)."""
