"""Statistics on degenerate inputs are reported as undefined, with the reason, never as 0, 1 or
a crash (issue 16). The end-to-end run of a degenerate study is in test_reliability.py; these
pin down the pieces it exercised."""

from __future__ import annotations

import io
import json
import warnings

import numpy as np
import polars as pl
import pytest
from sklearn.metrics import cohen_kappa_score

from recenter.stage2 import agreement, data, plots
from recenter.stats.bootstrap import BootstrapConfig, percentile_interval


def test_percentile_interval_without_replicates_is_undefined() -> None:
    low, high = percentile_interval(np.empty((0, 3)), 0.95)
    assert low.shape == high.shape == (3,)
    assert np.isnan(low).all() and np.isnan(high).all()
    low, high = percentile_interval(np.empty(0), 0.95)
    assert np.isnan(low) and np.isnan(high)


def test_percentile_interval_with_replicates_is_numpys_quantile() -> None:
    reps = np.random.default_rng(3).normal(size=(400, 2))
    low, high = percentile_interval(reps, 0.9)
    np.testing.assert_allclose(low, np.quantile(reps, 0.05, axis=0), rtol=0, atol=1e-15)
    np.testing.assert_allclose(high, np.quantile(reps, 0.95, axis=0), rtol=0, atol=1e-15)


def test_one_label_throughout_gives_an_undefined_kappa_with_its_reason() -> None:
    labels = np.ones((6, 2))  # one human and one LLM say "relevant" to everything
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", RuntimeWarning)
        sk = cohen_kappa_score(labels[:, 0], labels[:, 1])
    assert np.isnan(sk)  # scikit-learn agrees that kappa is undefined here
    lm = data.LabelMatrix(
        [f"i{k}" for k in range(6)],
        np.array([0, 0, 1, 1, 2, 2]),
        ["u1", "u2", "u3"],
        ["H1", "llm-a"],
        ["human", "llm"],
        labels,
    )
    res = agreement.kappa_analysis(lm, BootstrapConfig(replicates=20, seed=1, confidence=0.95))
    row = res.groups.filter(pl.col("group") == "llm_human").row(0, named=True)
    assert row["estimate"] is None and row["ci_low"] is None
    assert "undefined" in row["note"]
    empty = res.groups.filter(pl.col("group") == "human_human").row(0, named=True)
    assert empty["note"] == "no rater pair in this group"


def test_kappa_heatmap_takes_a_matrix_whose_kappas_are_all_undefined() -> None:
    # what the figure job reads back from the CSV: an all-empty column comes back as text
    csv = "rater_a,rater_b,kappa,ci_low,ci_high,n\nH1,H1,,,,2\nH1,llm-a,,,,2\n"
    matrix = pl.read_csv(io.StringIO(csv))
    assert matrix["kappa"].dtype == pl.String
    spec = plots.kappa_heatmap(matrix).to_dict()
    values = spec["data"]["values"]
    assert [v["kappa"] for v in values] == [None, None]
    assert [v["label"] for v in values] == [None, None]


@pytest.mark.parametrize("confidence", [0.8, 0.95])
def test_a_single_cluster_interval_is_undefined_not_zero_width(confidence: float) -> None:
    from recenter.stats.bootstrap import small_cluster_interval

    low, high = small_cluster_interval(0.5, np.empty(0), confidence, n_clusters=1)
    assert np.isnan(low) and np.isnan(high)


@pytest.mark.parametrize(
    ("attribute", "prompt"),
    [(None, "hello there"), ("0", "?"), ("the of and", "it is the")],
)
@pytest.mark.parametrize("scorer", ["bm25", "embedding-lsa-8"])
def test_text_baselines_score_nothing_when_the_texts_hold_no_word(attribute, prompt, scorer):
    """An attribute without text, texts without a word, or only stop words: the text models
    (bm25s, scikit-learn's TF-IDF) have an empty vocabulary; no item is scored, and why."""
    from recenter.stage2 import baselines

    items = pl.DataFrame(
        {
            "item_id": ["i1", "i2"],
            "attribute_id": ["a1", "a2"],
            "attribute_text": [attribute, attribute],
            "prompt_id": ["p1", "p1"],
            "prompt_text": [prompt, prompt],
        }
    )
    frame, model = baselines.item_scores(items, scorer, dimensions=8)
    assert frame.height == 0
    assert "no item scored" in model


def test_svg_bytes_do_not_depend_on_what_the_process_rendered_before(tmp_path) -> None:
    """Vega's gradient ids count across renders in one process; save_chart numbers them anew."""
    import altair as alt

    from recenter.outputs import save_chart

    chart = (
        alt.Chart(alt.Data(values=[{"a": "x", "b": "y", "k": 0.3}, {"a": "y", "b": "x", "k": 0.9}]))
        .mark_rect()
        .encode(x="a:N", y="b:N", color="k:Q")  # a continuous colour legend: a gradient
    )
    save_chart(chart, tmp_path / "one", data_kind="fixture")
    save_chart(chart, tmp_path / "two", data_kind="fixture")
    first = (tmp_path / "one.svg").read_text(encoding="utf-8")
    assert "gradient_0" in first
    assert first == (tmp_path / "two.svg").read_text(encoding="utf-8")


def test_png_is_what_vl_convert_draws_from_the_saved_spec(tmp_path) -> None:
    """save_chart rasterises its one SVG render instead of rendering the spec a second time;
    the bytes must be those of vl-convert's own PNG path, from the spec as saved (fonts
    registered), after another chart has been drawn in the same process."""
    import json

    import altair as alt
    import vl_convert as vlc

    from recenter.outputs import save_chart

    chart = (
        alt.Chart(alt.Data(values=[{"a": "x", "b": "y", "k": 0.3}, {"a": "y", "b": "x", "k": 0.9}]))
        .mark_rect()
        .encode(x="a:N", y="b:N", color="k:Q")
        .properties(title="a title")
    )
    save_chart(chart.properties(title="drawn first"), tmp_path / "before", data_kind="fixture")
    save_chart(chart, tmp_path / "fig", data_kind="fixture")
    spec = json.loads((tmp_path / "fig.vl.json").read_text(encoding="utf-8"))
    png = (tmp_path / "fig.png").read_bytes()
    assert png[:8] == b"\x89PNG\r\n\x1a\n"
    assert png == vlc.vegalite_to_png(spec, scale=2)


def test_gaps_forest_takes_a_summary_whose_paper_ranges_are_all_empty() -> None:
    """A generated study's gaps summary whose rows have no paper value: the paper columns
    come back from the CSV as text, and the figure must still draw the study's gaps."""
    from recenter.claims_plots import gaps_forest_chart

    csv = (
        "stage,comparison,statistic,estimate,ci_low,ci_high,claim_id,paper_value,paper_low,"
        "paper_high,consistent,note\n"
        "3 response generation,judge minus human,difference of means,0.5,0.1,0.9,,,,,,\n"
        "2 relevance matching,LLM/human ratio,ratio,,,,,,,,,no rate\n"
    )
    table = pl.read_csv(io.StringIO(csv), infer_schema_length=None)
    assert table["paper_low"].dtype == pl.String and table["estimate"].dtype == pl.Float64
    spec = gaps_forest_chart(table, 0.95).to_dict()
    text = json.dumps(spec)
    assert "judge minus human" in text and "(undefined on this study)" in text


def test_fig5_takes_a_table_whose_intervals_are_all_empty() -> None:
    """The degenerate study's Fig 5 table (one user: no interval anywhere) as the figure job
    reads it back: the empty interval columns are text, and the shares still print."""
    from recenter.stage3.plots import human_ratings_chart

    csv = (
        "generator,n_units,n_ratings,mean_rating,ci_low,ci_high,no_better_share,"
        "no_better_ci_low,no_better_ci_high,n_no_better,n_clusters,n_replicates_dropped\n"
        "gen,2,2,3.0,,,1.0,,,2,1,0\nall generators,2,2,3.0,,,1.0,,,2,1,0\n"
    )
    table = pl.read_csv(io.StringIO(csv), infer_schema_length=None)
    assert table["no_better_ci_low"].dtype == pl.String
    text = json.dumps(human_ratings_chart(table).to_dict(), ensure_ascii=False)
    assert "100.0%  [–, –]" in text
