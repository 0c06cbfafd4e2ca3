"""Patterns for generic web residue, one line at a time.

Each rule names a class of residue every news site produces (share buttons, comment widgets,
photo credits, feed-bot footers ...), never a string taken from a particular article. A rule
only fires on short lines (``max_words``): a long line is body text even when it mentions
"Facebook" or "comments".
"""
from __future__ import annotations

import re
from dataclasses import dataclass

# Matches start only where a run of name characters starts, and a possessive repeat never
# backtracks: on a long "a.a.a.a..." line both stay linear instead of quadratic.
URL = re.compile(r"(?:https?://|www\.)\S+|(?<![a-z0-9.-])(?:[a-z0-9-]+\.)++[a-z]{2,}/\S*", re.I)
EMAIL = re.compile(r"(?<![\w.+-])[\w.+-]+@[\w-]+(?:\.[\w-]+)+\b")
# Residue is short: a longer line is text, and no pattern below ever runs over a huge line (a
# one-token 20 MB line once took gigabytes in the share-button pattern's repeat).
MAX_RESIDUE_CHARS = 2000
BULLET = re.compile(r"^(?:[-*•·–—▪►]|\d{1,2}[.)])\s+")
_BREADCRUMB_SEP = re.compile(r"\s+[|»›>•·/]\s+|\s*[|»›•]\s*")


@dataclass(frozen=True)
class Rule:
    reason: str
    pattern: re.Pattern[str]
    max_words: int


def _rules(reason: str, max_words: int, *patterns: str, flags: int = re.I) -> list[Rule]:
    return [Rule(reason, re.compile(p, flags), max_words) for p in patterns]


_LINK_END = r"(?:https?://|www\.|\b[a-z0-9-]+\.[a-z]{2,}/)\S*$"
_PLATFORMS = (r"(?:twitter|facebook|instagram|telegram|whatsapp|youtube|linkedin|tiktok|threads|"
              r"mastodon|bluesky|reddit|pinterest|flipboard|google news|x)")
_CREDIT_WORDS = (r"(?:photo|photos|photograph|image|picture|pic|credit|file|courtesy|getty|released|handout|"
                 r"shutterstock|istock)")

RULES: list[Rule] = [
    *_rules("bot_repost", 14,
            rf"^(?:from|via|source:?|read (?:more|the full (?:story|article)) (?:at|on))\b.{{0,80}}?{_LINK_END}",
            r"^read (?:the )?(?:full|original|rest of the) (?:story|article|post)\b"),
    *_rules("bot_repost", 4, r"^via\s+@?[\w.&'-]+(?:\s+[\w.&'-]+){0,2}$",
            r"^(?:source|original)(?:\s+(?:link|url|article|source))?\s*:?$"),
    *_rules("bot_repost", 40, r"^the post\b.+\bappeared first on\b",
            r"^this (?:article|story|post) (?:was |is )?(?:originally|first) (?:published|appeared|posted)\b"),
    *_rules("social_promo", 30,
            rf"\b(?:follow|join|like|subscribe to|find|connect with|add)\b.{{0,60}}\b(?:us|our)\b.{{0,60}}"
            rf"\b(?:{_PLATFORMS}|channel|social media)\b",
            r"^click to (?:share|e-?mail|print|tweet)\b"),
    *_rules("social_promo", 8,
            rf"^(?:(?:share|tweet|pin|e-?mail|print|copy link|{_PLATFORMS})(?:\s+(?:this|it|on|article|story|"
            rf"link|via|to|page))*\s*[:|,]?\s*)+$"),
    *_rules("site_promo", 25,
            r"^(?:visit|go to|check out|head to|see)\b.{0,80}\bfor (?:more|the latest)\b",
            r"^(?:click|tap) here\b", r"^download (?:the|our)\b.{0,40}\bapps?\b"),
    *_rules("tip_line", 30,
            r"\b(?:have|got) an? (?:news |story )?tip\b", r"\bsend (?:us )?(?:your )?(?:news )?tips\b",
            r"\b(?:e-?mail|contact|reach|message) (?:this|the) (?:reporter|author|writer|journalist|newsroom)\b",
            r"\b(?:sign up|subscribe|register)\b.{0,60}\bnewsletters?\b",
            r"\bnewsletters?\b.{0,40}\b(?:sign up|subscribe)\b",
            r"^get (?:the latest|our|breaking)\b.{0,80}\b(?:news|updates|alerts|headlines)\b.{0,40}"
            r"\b(?:inbox|email|phone|app)\b"),
    *_rules("contributor_credit", 30,
            r"\bcontributed (?:reporting|to (?:this|the) (?:report|story|article))\b",
            r"^\(?(?:additional |further )?(?:reporting|writing|editing|research|compiled|edited|written)"
            r" by\b"),
    *_rules("byline", 12,
            r"^(?i:by|written by|posted by|author:)\s+[A-Z][\w.'’-]+(?:\s+[A-Z][\w.'’-]+){0,3}"
            r"(?:\s*(?:,|and|&)\s*[A-Z][\w.'’-]+(?:\s+[A-Z][\w.'’-]+){0,3})*(?:\s*[,|–—-]\s*.{0,40})?$",
            flags=0),
    *_rules("comment_widget", 10,
            r"^(?:\d+\s+)?(?:comments?|replies|responses)(?:\s*\(\d+\))?\s*:?$",
            r"^(?:post|leave|add|write|submit) (?:a |your |new )?(?:comment|reply|response)s?\b",
            r"^comments? (?:are|is) (?:closed|disabled|off)\b",
            r"^(?:show|view|load|hide|read|see) (?:all |more |the )?(?:\d+ )?comments?\b",
            r"^join the (?:discussion|conversation|debate)\b", r"^be the first to comment\b",
            r"^you must be logged in to (?:post|leave|add) a comment", r"^(?:newer|older) posts?\b",
            r"^subscribe to:? (?:post )?comments\b", r"^(?:reply|report abuse|report comment)$"),
    *_rules("navigation", 12,
            r"^(?:(?:toggle |main |site |mobile |open |close )?(?:navigation|menu)|skip to (?:main )?content|"
            r"skip navigation|back to top|search|home|homepage|log ?in|log ?out|sign (?:in|up|out)|register|"
            r"subscribe|next (?:article|story|post)|previous (?:article|story|post)|close|more|sections|"
            r"top stories|latest news|continue reading(?: the main story)?)\W*$",
            r"^home\s*[|»›>/]"),
    *_rules("photo_credit", 60, rf"\([^()]{{0,120}}\b{_CREDIT_WORDS}\b[^()]{{0,120}}\)\W*$"),
    *_rules("photo_credit", 40,
            r"^(?:photo|photograph|image|picture|caption|credit|photo credit|file photo|image source|"
            r"image copyright|image caption|media caption|illustration)s?\s*(?:by\b|[:|/–—-])",
            r"\b(?:getty images|ap photo|afp photo|reuters photo|shutterstock|istock(?:photo)?|epa-efe)\b"),
    # A caption: a sentence followed by a bare credit such as "(CBC)" or "(Jane Doe/Reuters)".
    *_rules("photo_credit", 60,
            r"[.!?\"”]\s*\((?:[A-Z][\w.'’-]*\s?){1,4}/\s?[A-Z][\w.'’ -]{1,30}\)$",
            r"[.!?\"”]\s*\([A-Z]{2,6}\)$", flags=0),
    *_rules("advertisement", 8,
            r"^(?:advertisement|advertising|ad|sponsored(?: content)?|promoted|paid content|partner content|"
            r"story continues below(?: advertisement)?|scroll (?:down )?to continue(?: with content)?)\W*$"),
    *_rules("copyright", 40, r"^(?:©|\(c\)\s|copyright\b)", r"\ball rights reserved\b",
            r"\bmay not be (?:published|reproduced|redistributed)\b"),
    *_rules("related_teaser", 25,
            r"^(?:related(?: (?:stories|articles|coverage|content|news|posts|links|reading))?|read (?:more|also|next)|"
            r"also read|see also|more (?:from|on|stories|news)\b.*|recommended(?: for you| stories)?|"
            r"you (?:may|might) (?:also )?like|trending(?: now)?|most (?:read|popular|viewed)|"
            r"popular (?:stories|posts)|watch|listen|must read|don'?t miss|further reading)\s*(?:[:|»›>–—-]|$)",
            r"^(?:view|see|show) (?:more|all) related\b"),
]


def words(s: str) -> int:
    return len(s.split())


def residue_reason(line: str) -> str | None:
    """Reason a single line is web residue, or None. ``line`` is whitespace-normalised."""
    s = BULLET.sub("", line)
    if not any(c.isalnum() for c in s):
        return "no_text"
    if len(s) > MAX_RESIDUE_CHARS:
        return None
    if not any(c.isalnum() for c in URL.sub("", s)):
        return "url_only"
    n = words(s)
    for rule in RULES:
        if n <= rule.max_words and rule.pattern.search(s):
            return rule.reason
    if n <= 20 and EMAIL.search(s):
        return "tip_line"
    parts = [p for p in _BREADCRUMB_SEP.split(s) if p]
    if len(parts) >= 3 and all(words(p) <= 4 and any(c.isalpha() for c in p) for p in parts) and not s.endswith((".", "?", "!")):
        return "navigation"
    return None
