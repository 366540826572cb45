"""The same rules through the page and the command line; wire copies; the archive file."""

from __future__ import annotations

import json
from urllib.parse import quote

from click.testing import CliRunner

from service.cli.search import search_cmd


def test_a_french_date_is_read_and_a_bad_one_stays_in_the_page_s_form(archive):
    good = archive.client.get("/api/search", query_string={"q": "Notre-Dame", "from": "15/04/2019"})
    assert good.status_code == 200 and good.get_json()["query"]["from"] == "2019-04-15"
    page = archive.client.get("/", query_string={"q": "Notre-Dame", "from": "32/04/2019"})
    html = page.get_data(as_text=True)
    assert page.status_code == 400
    assert 'value="32/04/2019"' in html and 'id="period-error"' in html
    assert "ce jour n&#39;existe pas" in html or "ce jour n'existe pas" in html


def test_the_timeline_links_each_year(archive):
    html = archive.client.get("/", query_string={"q": "Brexit"}).get_data(as_text=True)
    for year in ("2016", "2019", "2020"):
        assert f"from={year}&amp;to={year}" in html


def test_a_wire_copy_takes_one_place_and_says_so(archive):
    body = archive.search(q="Buzyn Schiappa", per_page=20)
    titles = [hit["title"] for hit in body["hits"]]
    assert titles.count("Buzyn ne gagnera pas Paris, estime Schiappa") == 1
    (kept,) = [hit for hit in body["hits"] if hit["title"].startswith("Buzyn ne gagnera")]
    assert kept["copies"]
    similar = archive.client.get(f"/api/documents/{quote(kept['id'])}/similar").get_json()
    assert not set(kept["copies"]) & {hit["id"] for hit in similar["hits"]}


def test_paging_through_a_name_shows_each_dispatch_once_under_one_total(archive):
    """A journalist pages through every article on Benalla: some are wire copies, hidden
    behind the one that stands for them on whichever page it falls."""
    first = archive.search(q="Benalla", per_page=50)
    pages = [first] + [
        archive.search(q="Benalla", per_page=50, page=n)
        for n in range(2, -(-first["total"] // 50) + 1)
    ]
    assert {body["total"] for body in pages} == {first["total"]} and first["total"] > 250
    shown = [hit["id"] for body in pages for hit in body["hits"]]
    hidden = {copy for body in pages for hit in body["hits"] for copy in hit["copies"]}
    assert len(shown) == len(set(shown)) == first["total"]
    assert hidden and not hidden & set(shown)


def test_the_command_line_reads_french_dates_and_answers_as_the_api(archive):
    args = ["Beyrouth", "--from", "04/08/2020", "--to", "31/08/2020", "--json"]
    run = CliRunner().invoke(search_cmd, [*args, "--config", str(archive.config.source)])
    assert run.exit_code == 0, run.output
    body = json.loads(run.output)
    api = archive.search(q="Beyrouth", **{"from": "2020-08-04", "to": "2020-08-31"})
    assert body["total"] == api["total"] > 20
    assert [hit["id"] for hit in body["hits"]] == [hit["id"] for hit in api["hits"]]


def test_a_search_that_finds_nothing_names_its_corpus_and_index(archive):
    run = CliRunner().invoke(search_cmd, ["zzyzxqwv", "--config", str(archive.config.source)])
    assert run.exit_code == 1
    assert "news-fr.jsonl.gz" in run.output and archive.index_name in run.output
