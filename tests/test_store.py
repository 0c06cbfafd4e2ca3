"""The store on SQLite and (with STORYLINE_TEST_PG) PostgreSQL: versions, idempotency, integrity."""
from storyline.models import Article, RemovedLine
from storyline.store.db import Store


def art(id_: str, text: str) -> Article:
    import hashlib

    return Article(id=id_, text=text, title="T", published="2024-03-01", content_hash=hashlib.sha256(text.encode()).hexdigest(),
                   removed=[RemovedLine("Follow us", "social_promo")])


def test_same_content_is_a_noop_and_changed_text_is_a_new_version(db_url):
    store = Store(db_url)
    assert store.add_articles([art("a", "one"), art("b", "two")]).added == 2
    again = store.add_articles([art("a", "one")])
    assert (again.added, again.unchanged, again.new_versions) == (0, 1, 0)
    changed = store.add_articles([art("a", "one, corrected")])
    assert changed.new_versions == 1
    current = {a.id: a for a in store.articles()}
    assert current["a"].text == "one, corrected"
    assert current["a"].removed == [RemovedLine("Follow us", "social_promo")]
    assert store.count_articles() == 2 and store.count_articles(current_only=False) == 3
    assert store.integrity_problems() == []
    store.close()


def test_same_text_under_another_id_is_kept_as_a_copy(db_url):
    store = Store(db_url)
    store.add_articles([art("orig", "same words"), art("copy", "same words")])
    assert sorted(a.id for a in store.articles()) == ["copy", "orig"]
    store.close()


def test_reopening_runs_no_migration_twice(db_url):
    Store(db_url).close()
    store = Store(db_url)
    store.add_articles([art("x", "text")])
    assert store.count_articles() == 1
    store.close()


def test_the_engine_finds_pending_versions_through_their_index_not_by_reading_every_article(tmp_path):
    from sqlalchemy import select

    from storyline.cluster.engine import _pending_filter
    from storyline.store.schema import ArticleRow

    store = Store(str(tmp_path / "p.db"))
    query = select(ArticleRow.id).where(*_pending_filter()).order_by(ArticleRow.id).limit(500)
    sql = str(query.compile(store.engine, compile_kwargs={"literal_binds": True}))
    with store.engine.connect() as conn:
        plan = " ".join(row[3] for row in conn.exec_driver_sql("EXPLAIN QUERY PLAN " + sql))
    assert "USING INDEX ix_articles_engine_pending" in plan and "TEMP B-TREE" not in plan
    store.close()
