"""Who a changed record reaches: the two-step look-up gives what one window over every
subject's versions gave."""

from __future__ import annotations

from features.compile import id_list
from features.link_lookup import links
from features.subjects import current_subjects_sql
from scoring.rerating import affected_subjects, link_readers


def _one_window(store, subject_id: str) -> list[str]:
    """The former look-up: every link read against the current version of every subject."""
    one = id_list((subject_id,))
    readers = link_readers()
    reverse = "".join(
        f"\n        UNION SELECT r{i}.subject_id FROM ({x.reverse_sql(one, store.dialect)}) r{i} "
        f"JOIN latest t{i} ON t{i}.subject_id = r{i}.subject_id "
        f"AND t{i}.subject_type IN {id_list(readers[key])}"
        for i, (key, x) in enumerate(links().items())
        if readers.get(key)
    )
    frame = store.query(f"""
        WITH latest AS ({current_subjects_sql()})
        SELECT {one[1:-1]} AS subject_id{reverse}""")
    return sorted(set(frame["subject_id"].dropna()))


def _probes(store) -> list[str]:
    """Subjects with several versions, the people and firms links name, a spread of the rest."""
    return list(
        store.query("""
        SELECT id FROM (
          SELECT subject_id AS id FROM subjects GROUP BY 1 HAVING count(*) > 1
          UNION SELECT legal_rep_id FROM subjects WHERE legal_rep_id IS NOT NULL
          UNION SELECT employer_id FROM subjects WHERE employer_id IS NOT NULL
          UNION SELECT party_id FROM subject_links
          UNION SELECT subject_id FROM list_events WHERE persons IS NOT NULL
          UNION (SELECT subject_id FROM subjects ORDER BY hash(subject_id) LIMIT 300)
        ) WHERE id IS NOT NULL ORDER BY hash(id) LIMIT 250""")["id"]
    )


def test_the_same_subjects_as_one_window_over_every_version(city, tiny) -> None:
    reached = 0
    for store in (city, tiny):
        probes = _probes(store)
        assert len(probes) >= 5
        for sid in [*probes, "NO-SUCH-SUBJECT"]:
            got = affected_subjects(store, sid)
            assert got == _one_window(store, sid), sid
            reached += len(got) > 1
    assert reached > 20  # links were followed, not only the subject itself
