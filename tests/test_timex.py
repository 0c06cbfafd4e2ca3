"""Temporal expressions: anchoring on the publication date, precision, and the MEANTIME score."""
from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from storyline.models import TimeExpr
from storyline.nlp.pipeline import get_nlp
from storyline.resolve.timex import extract_times
from storyline.resolve.timex_event import event_time

SHARED = Path(__file__).resolve().parents[2] / "shared" / "eval"
MEANTIME = SHARED / "meantime-dev"
TE3 = SHARED / "te3-tbaq-dev"


def times(text: str, published: str | None, parse: bool = True) -> dict[str, TimeExpr]:
    doc = get_nlp()(text) if parse else None
    return {t.text: t for t in extract_times(text, published, doc)}


def test_weekday_is_latest_on_or_before_publication_same_day_counts() -> None:
    # 2021-02-25 is a Thursday.
    got = times("Militants shelled the town on Thursday. On Monday the convoy was ambushed.", "2021-02-25")
    assert got["Thursday"].value == "2021-02-25"
    assert got["Monday"].value == "2021-02-22"
    assert got["Monday"].granularity == "day"


def test_future_tense_weekday_points_forward() -> None:
    got = times("The ministers will meet again on Tuesday, and talks resume next Thursday.", "2021-02-25")
    assert got["Tuesday"].value == "2021-03-02"
    assert got["next Thursday"].value == "2021-03-04"


def test_infinitive_under_a_past_verb_points_back_under_a_plan_forward() -> None:
    # 2021-02-25 is a Thursday.
    got = times("The assembly voted Friday to dissolve itself. Officials declined to comment Monday.", "2021-02-25")
    assert got["Friday"].value == "2021-02-19"
    assert got["Monday"].value == "2021-02-22"
    planned = times("The delegation planned to leave the capital on Saturday.", "2021-02-25")
    assert planned["Saturday"].value == "2021-02-27"
    announced = times("They will appeal the ruling, announced Wednesday by the court.", "2021-02-25")
    assert announced["Wednesday"].value == "2021-02-24"


def test_near_dates_keep_their_side_whatever_the_tense() -> None:
    got = times("The offer was extended to Nov. 16. It had been due to expire in November.", "1989-10-30")
    assert got["Nov. 16"].value == "1989-11-16"
    assert got["November"].value == "1989-11"
    far = times("The offer expired on Aug. 16.", "1989-03-01")
    assert far["Aug. 16"].value == "1988-08-16"


def test_quarter_is_the_nearest_whatever_the_tense() -> None:
    got = times("The company expects to report a loss for the third quarter.", "1989-10-26")
    assert got["the third quarter"].value == "1989-Q3"
    ahead = times("Plants were closed during the fourth quarter.", "2006-08-19")
    assert ahead["the fourth quarter"].value == "2006-Q4"


def test_last_week_is_previous_iso_week() -> None:
    got = times("Rebels seized the airport last week.", "2021-02-25")
    t = got["last week"]
    assert (t.value, t.granularity, t.range_start, t.range_end) == ("2021-W07", "week", "2021-02-15", "2021-02-21")


def test_last_week_rolls_over_the_year() -> None:
    # 2021-01-02 is in ISO week 2020-W53, so the week before is 2020-W52.
    got = times("Protests spread across the capital last week.", "2021-01-02")
    assert got["last week"].value == "2020-W52"
    assert got["last week"].range_start == "2020-12-21"


def test_month_without_year_is_latest_on_or_before_publication() -> None:
    got = times("In February the army withdrew from the valley.", "2021-06-14")
    t = got["February"]
    assert (t.value, t.granularity, t.range_start, t.range_end) == ("2021-02", "month", "2021-02-01", "2021-02-28")
    later = times("In October the army withdrew from the valley.", "2021-06-14")
    assert later["October"].value == "2020-10"


def test_month_year_keeps_month_precision() -> None:
    got = times("The group was founded in December 2019, after the January 2020 killing of its leader.", "2021-06-14")
    assert got["December 2019"].value == "2019-12"
    assert got["December 2019"].granularity == "month"
    assert got["January 2020"].value == "2020-01"


def test_bare_year_and_counts() -> None:
    got = times("Iran broke the 2015 nuclear deal; 2000 workers lost $1500 each.", "2021-06-14")
    assert got["2015"].value == "2015"
    assert got["2015"].granularity == "year"
    assert "2000" not in got and "1500" not in got


def test_weekday_followed_by_a_count_is_not_a_day_of_month() -> None:
    got = times("Friday 22 people were killed in the market.", "2021-02-25")
    assert list(got) == ["Friday"]
    assert got["Friday"].value == "2021-02-19"


def test_weekday_comma_day_month_year_is_a_date() -> None:
    got = times("The ceasefire began on Friday, 22 May 2020, at dawn.", "2021-02-25")
    assert got["Friday, 22 May 2020"].value == "2020-05-22"


def test_no_publication_date_leaves_relative_expressions_unresolved() -> None:
    got = times("On Thursday troops entered the city, as they had in March 2014.", None)
    assert got["Thursday"].value == "unresolved"
    assert got["Thursday"].granularity == "unresolved"
    assert got["Thursday"].reason == "no publication date to anchor 'Thursday'"
    assert got["March 2014"].value == "2014-03"


def test_earlier_this_evening_is_the_publication_day() -> None:
    got = times("Earlier this evening a car bomb exploded near the port.", "2021-02-25")
    t = got["Earlier this evening"]
    assert t.value.startswith("2021-02-25")
    assert (t.granularity, t.range_start, t.range_end) == ("day", "2021-02-25", "2021-02-25")


def test_relative_days_months_years_and_durations() -> None:
    got = times("Yesterday two soldiers died; two days ago a drone struck. Casualties rose last month "
                "and talks are planned next year after 33 years of conflict.", "2021-03-10")
    assert got["Yesterday"].value == "2021-03-09"
    assert got["two days ago"].value == "2021-03-08"
    assert got["last month"].value == "2021-02"
    assert got["next year"].value == "2022"
    assert (got["33 years"].value, got["33 years"].type) == ("P33Y", "DURATION")
    assert [t.value for t in extract_times("Over the next couple of years prices rose.", "1989-10-26")] == ["P2Y"]
    span = times("The process would take between 60 and 90 days.", "2009-06-04")
    assert (span["60"].value, span["90 days"].value) == ("P60D", "P90D")
    more = times("He stays for at least two more weeks; the loan runs for an additional year.", "2000-06-01")
    assert more["at least two more weeks"].value == "P2W"
    assert more["an additional year"].value == "P1Y"


def test_quarters_decades_clock_times_and_vague_references() -> None:
    got = times("Profits fell in the first quarter of 2009, the worst since the 1990s. "
                "The plane landed at 16:08 UTC on Monday and is currently grounded.", "2009-05-14")
    assert got["the first quarter of 2009"].value == "2009-Q1"
    assert got["the 1990s"].value == "199"
    assert got["16:08 UTC on Monday"].value == "2009-05-11T16:08Z"
    assert got["currently"].value == "PRESENT_REF"


def test_now_is_the_present_but_not_in_a_compound() -> None:
    got = times("Syrian troops are now part of the force; the now-cancelled deal stays secret.", "1990-08-15")
    assert got["now"].value == "PRESENT_REF"
    assert [t.text for t in got.values()] == ["now"]


def test_same_period_last_year_follows_the_named_month() -> None:
    got = times("Sales rose 43% in February compared to the same period last year.", "2010-03-03")
    assert got["the same period last year"].value == "2009-02"


def test_results_compare_with_the_quarter_being_reported_a_year_back() -> None:
    text = ("Acme said third-quarter profit rose to $5 million from $3 million a year earlier. "
            "Sales in the quarter rose 8%, against a loss in the year-ago quarter. "
            "Revenue was $90 million, up from $80 million a year ago.")
    got = times(text, "1989-10-26")
    assert got["third-quarter"].value == "1989-Q3"
    assert got["a year earlier"].value == "1988-Q3"
    assert got["the quarter"].value == "1989-Q3"
    assert got["the year-ago quarter"].value == "1988-Q3"
    assert got["a year ago"].value == "1988-Q3"
    assert times("Prices rose 4% from a year ago.", "1998-02-06")["a year ago"].value == "1997"


def test_earlier_and_later_move_the_last_named_date() -> None:
    got = times("The rebels took the town on March 3, 2014. Two days later the army returned; "
                "a year earlier it had left.", "2021-06-14")
    assert got["Two days later"].value == "2014-03-05"
    assert got["a year earlier"].value == "2013-03-03"
    own_anchor = times("He left two days before the vote.", "2021-06-14")
    assert own_anchor["two days"].value == "P2D"


def test_the_year_is_the_year_in_question_unless_it_is_a_fiscal_length() -> None:
    text = "Revenue fell through the first nine months of the year. For the year ended July 2, it earned $2 million."
    years = [t for t in extract_times(text, "1989-10-30", get_nlp()(text)) if t.text == "the year"]
    assert [(t.value, t.type) for t in years] == [("1989", "DATE"), ("P1Y", "DURATION")]


def test_vague_words_tied_to_another_event_or_modifying_a_noun_are_not_times() -> None:
    got = times("The group will leave as soon as Tuesday, shortly after the vote, "
                "to secure long-term funding. Prices should fall soon.", "2000-04-03")
    assert "soon" in got and got["soon"].value == "FUTURE_REF"
    assert all(t.text not in ("long-term", "shortly") for t in extract_times(
        "The group will leave shortly after the vote to secure long-term funding.", "2000-04-03"))
    assert [t.text for t in extract_times("They will leave as soon as possible.", "2000-04-03")] == []


def test_previous_weekday_is_before_the_day_last_named() -> None:
    # 1989-10-30 is a Monday; "Friday" is 10-27, the Friday before it 10-20.
    got = times("Shares fell Friday. The index was down 4.5% from the previous Friday.", "1989-10-30")
    assert got["Friday"].value == "1989-10-27"
    assert got["the previous Friday"].value == "1989-10-20"


def test_forward_cues_and_perfect_modals() -> None:
    # 2000-04-03 is a Monday.
    got = times("The father could come as early as Tuesday.", "2000-04-03")
    assert got["Tuesday"].value == "2000-04-04"
    back = times("The news may have been responsible for the drop on Wednesday.", "1989-10-27")
    assert back["Wednesday"].value == "1989-10-25"


def test_this_month_name_and_forward_cues_before_a_clock() -> None:
    assert times("The general election is due this September.", "1998-02-05")["this September"].value == "1998-09"
    # 2000-04-03 is a Monday.
    got = times("The service has given the relatives until 9 a.m. Tuesday to sign.", "2000-04-03")
    assert got["9 a.m. Tuesday"].value == "2000-04-04T09:00"
    loans = times("The bank provided loans through January.", "1989-10-30")
    assert loans["January"].value == "1989-01"
    assert times("The bank provides loans through January.", "1989-10-30")["January"].value == "1990-01"


def test_month_abbreviation_needs_its_dot_or_a_number() -> None:
    assert extract_times("Foreign ministers Janos Martonyi and Jan Kavan signed.", "1999-03-13") == []
    assert [t.value for t in extract_times("It closed on Sept 30.", "1999-10-13")] == ["1999-09-30"]


def test_an_event_that_happened_never_starts_after_publication() -> None:
    # 2021-02-25 is a Thursday: a "Saturday" read forward is the 27th, the one that has passed the 20th.
    pub = "2021-02-25"
    saturday = TimeExpr(0, 15, "Saturday night", "2021-02-27TNI", "day", "TIME", "2021-02-27", "2021-02-27")
    moved = event_time(saturday, pub, "occurred")
    assert (moved.value, moved.range_start, moved.range_end) == ("2021-02-20TNI", "2021-02-20", "2021-02-20")
    assert event_time(saturday, pub, "planned") is saturday
    march = TimeExpr(0, 5, "March", "2021-03", "month", "DATE", "2021-03-01", "2021-03-31")
    assert event_time(march, pub, "denied").value == "2020-03"
    next_week = TimeExpr(0, 9, "next week", "2021-W09", "week", "DATE", "2021-03-01", "2021-03-07")
    assert event_time(next_week, pub, "occurred") is None
    assert event_time(next_week, pub, "threatened") is next_week
    this_week = TimeExpr(0, 9, "this week", "2021-W08", "week", "DATE", "2021-02-22", "2021-02-28")
    assert event_time(this_week, pub, "occurred") is this_week


def test_mentions_take_their_time_through_the_publication_rule() -> None:
    from storyline.extract.mentions import extract_mentions
    from storyline.models import ActorRef

    text = "Gunmen ambushed the convoy on Saturday near the border."
    saturday = TimeExpr(text.index("Saturday"), text.index("Saturday") + 8, "Saturday", "2021-02-27", "day",
                        "DATE", "2021-02-27", "2021-02-27")
    found = extract_mentions(get_nlp()(text), "2021-02-25", [saturday], [], lambda t, _=None: ActorRef(text=t))
    occurred = [m for m in found if m.status == "occurred"]
    assert occurred and all(m.time is not None and m.time.value == "2021-02-20" for m in occurred)


def test_named_days_and_year_end() -> None:
    got = times("The boy was found on Thanksgiving Day; the deal should close by year-end.", "2000-04-07")
    assert got["Thanksgiving Day"].value == "1999-11-25"
    assert got["year-end"].value == "2000-12-31"
    assert times("Pilgrims gathered on Good Friday.", "2000-04-25")["Good Friday"].value == "2000-04-21"
    assert times("Shares are up 9% since year-end.", "1989-10-30")["year-end"].value == "1988-12-31"
    assert extract_times("Christmas sales were weak in Eastern Europe.", "2000-01-07") == []


def test_that_year_and_that_month_take_the_last_named_period() -> None:
    got = times("The mayor left for Lisbon in May 2004 and came back later that year. "
                "That month his deputy resigned.", "2010-09-01")
    assert got["later that year"].value == "2004"
    assert got["That month"].value == "2004-05"
    assert "that year" not in times("Officials said that year-end bonuses were cut.", "2010-09-01")


def test_coordinated_days_share_the_month_and_year() -> None:
    got = times("The talks will be held on June 8 and 9. The fair ran Oct. 2-4, 2007, and 11 and 12 March.",
                "2010-05-20")
    assert (got["June 8"].value, got["9"].value) == ("2010-06-08", "2010-06-09")
    assert (got["Oct. 2"].value, got["4, 2007"].value) == ("2007-10-02", "2007-10-04")
    assert (got["11"].value, got["12 March"].value) == ("2010-03-11", "2010-03-12")
    counts = times("On July 14 and 15 hostages were freed; sales rose Aug. 3 to 4.5 percent.", "2010-09-01")
    assert set(counts) == {"July 14", "Aug. 3"}


def test_sets_of_named_periods_leave_the_unknown_parts_as_x() -> None:
    got = {t.text: (t.value, t.type) for t in extract_times(
        "The council meets every Thursday, the fair opens each April, the market closes on Mondays "
        "and the roads flood every spring.", "2012-06-01")}
    assert got == {"every Thursday": ("XXXX-WXX-4", "SET"), "each April": ("XXXX-04", "SET"),
                   "Mondays": ("XXXX-WXX-1", "SET"), "every spring": ("XXXX-SP", "SET")}


def test_spoken_years_of_broadcast_transcripts() -> None:
    got = times("The dam was built in nineteen sixty-two, flooded in the spring of nineteen eighty-one, "
                "rebuilt in nineteen oh four style and should be replaced by the year two thousand ten.", "2003-05-05")
    assert got["nineteen sixty-two"].value == "1962"
    assert got["spring of nineteen eighty-one"].value == "1981-SP"
    assert got["nineteen oh four"].value == "1904"
    assert got["the year two thousand ten"].value == "2010"
    assert not times("Nineteen people died and two thousand fled.", "2003-05-05")


def test_works_without_a_parse() -> None:
    got = times("The rebels will attack on Thursday.", "2021-02-23", parse=False)
    assert got["Thursday"].value == "2021-02-25"


PIECES = list("ab1290 ,.-:'/\n") + ["May", "Friday", "last", "week", " 22 ", "2019", "ago", "years", "the", "UTC",
                                    "12:00", "p.m.", "today", "same day", "previous year", "quarter", "'90s"]


@settings(max_examples=150, deadline=None)
@given(st.one_of(st.text(max_size=60), st.lists(st.sampled_from(PIECES), max_size=25).map("".join)),
       st.sampled_from([None, "2021-02-25", "2020-01-01", "garbage"]))
def test_arbitrary_text_never_raises_and_offsets_hold(text: str, published: str | None) -> None:
    for t in extract_times(text, published):
        assert 0 <= t.start < t.end <= len(text)
        assert text[t.start: t.end] == t.text
        assert t.granularity in {"day", "week", "month", "year", "range", "time", "duration", "set", "unresolved"}


TIME_PHRASES = ["on Saturday", "next Thursday", "Friday night", "in March", "on Dec. 24", "this September",
                "next week", "tomorrow", "in the fourth quarter", "this summer", "on Christmas", "in 2031",
                "at 9 p.m.", "later this month", "last week", "two days later", "this weekend", "soon",
                "in the coming months", "every Tuesday", "yesterday", "on June 8 and 9"]


@settings(max_examples=200, deadline=None)
@given(st.sampled_from(TIME_PHRASES), st.sampled_from(["will attack", "attacked", "plans to attack", "attacks"]),
       st.dates(min_value=dt.date(1990, 1, 1), max_value=dt.date(2030, 12, 31)),
       st.sampled_from(["occurred", "denied", "planned", "threatened"]))
def test_no_event_that_happened_starts_after_its_article(phrase: str, verb: str, pub: dt.date, status: str) -> None:
    """The issue's rule, for every time the grammar reads: an occurred or denied event's time
    starts on or before publication (or is dropped); a planned or threatened one keeps its time."""
    for t in extract_times(f"Rebels {verb} the town {phrase}.", pub.isoformat()):
        got = event_time(t, pub.isoformat(), status)
        if status in ("planned", "threatened"):
            assert got is t
        elif got is not None and got.range_start:
            assert dt.date.fromisoformat(got.range_start) <= pub, (phrase, t.value, got.value)


@pytest.mark.skipif(not MEANTIME.is_dir(), reason="MEANTIME dev set not present")
def test_meantime_dev_value_f1_whole_and_by_half() -> None:
    from storyline.evaluation.times import evaluate_times

    result = evaluate_times(MEANTIME, verbose=False)
    assert result["n_gold"] == 368
    halves = result["halves"]
    assert halves["dev"]["n_docs"] + halves["held_out"]["n_docs"] == result["n_docs"] == 120
    assert halves["dev"]["n_gold"] + halves["held_out"]["n_gold"] == 368
    assert result["value_f1"] >= 0.845  # 0.854 when written
    assert halves["dev"]["value_f1"] >= 0.86 and halves["held_out"]["value_f1"] >= 0.81  # 0.877, 0.828
    assert result["span_f1"] >= 0.92


@pytest.mark.skipif(not TE3.is_dir(), reason="TempEval-3 training set not present")
def test_tempeval3_training_value_f1_by_half() -> None:
    from storyline.evaluation.times import evaluate_times

    result = evaluate_times(TE3, verbose=False)
    assert result["n_gold"] == 1822
    assert result["value_f1"] >= 0.78  # 0.788 (0.783 before sets, spoken years, coordinated days; 0.715 before issue 9)
    assert min(h["value_f1"] for h in result["halves"].values()) >= 0.77  # 0.799 dev, 0.777 held out
    assert result["span_f1"] >= 0.92
