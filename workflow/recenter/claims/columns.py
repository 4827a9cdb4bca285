"""Where each statistic lives in the stage tables: the one place to adapt when a stage table
renames or adds a column (the first candidate present is used), and the tokens that name the
paper's models in system names."""

from __future__ import annotations

#: table -> logical name -> candidate column names, first present wins.
COLUMNS: dict[str, dict[str, tuple[str, ...]]] = {
    "fig2_attribute_quality": {
        "group": ("group",),
        "group_kind": ("group_kind",),
        "label": ("label",),
        "estimate": ("share",),
        "ci_low": ("ci_low",),
        "ci_high": ("ci_high",),
    },
    "failure_modes": {
        "category": ("category",),
        "estimate": ("share",),
        "ci_low": ("ci_low",),
        "ci_high": ("ci_high",),
        "n_labelled": ("n_labelled",),
    },
    "tab1_conversation_diversity": {
        "dataset": ("source_dataset",),
        "estimate": ("diversity_tfidf_cosine",),
    },
    "tab2_verifiers": {
        "system": ("system",),
        "kind": ("kind",),
        "base_system": ("base_system", "system"),
        "prompt_variant": ("prompt_variant",),
        # metric m: columns m, m_ci_low, m_ci_high
    },
    "stage1_agreement": {
        "statistic": ("statistic",),
        "estimate": ("estimate",),
        "ci_low": ("ci_low",),
        "ci_high": ("ci_high",),
    },
    "gaps": {
        "comparison": ("comparison",),
        "statistic": ("statistic",),
        "estimate": ("estimate",),
        "ci_low": ("ci_low",),
        "ci_high": ("ci_high",),
        "stage": ("stage",),
    },
    "kappa_groups": {
        "group": ("group",),
        "statistic": ("statistic",),
        "estimate": ("estimate",),
        "ci_low": ("ci_low",),
        "ci_high": ("ci_high",),
    },
    "relevance_rates": {
        "rater": ("rater",),
        "rater_kind": ("rater_kind",),
        "estimate": ("rate",),
        "ci_low": ("ci_low",),
        "ci_high": ("ci_high",),
        "n": ("n",),
        "n_relevant": ("n_relevant",),
    },
    "consensus_summary": {"quantity": ("quantity",), "n": ("n",), "share": ("share",)},
    "tab3_relevance_alignment": {
        "system": ("system",),
        "kind": ("kind",),
        # metric m: columns m, m_ci_low, m_ci_high
    },
    "stage3_agreement": {
        "statistic": ("statistic",),
        "pair": ("pair",),
        "estimate": ("estimate",),
        "ci_low": ("ci_low",),
        "ci_high": ("ci_high",),
    },
    "fig5_human_ratings": {
        "generator": ("generator",),
        "estimate": ("mean_rating",),
        "ci_low": ("ci_low",),
        "ci_high": ("ci_high",),
        "share": ("no_better_share",),
        "share_ci_low": ("no_better_ci_low",),
        "share_ci_high": ("no_better_ci_high",),
    },
    "tab6_judges": {
        "system": ("system",),
        "mean": ("mean_rating",),
        "mean_ci_low": ("mean_ci_low",),
        "mean_ci_high": ("mean_ci_high",),
        "difference": ("difference",),
        "difference_ci_low": ("difference_ci_low",),
        "difference_ci_high": ("difference_ci_high",),
        "spearman": ("spearman",),
        "spearman_ci_low": ("spearman_ci_low",),
        "spearman_ci_high": ("spearman_ci_high",),
        # the judge-vs-human test, adjusted across judges: a cluster-aware one first
        "p_adjusted": ("p_cluster_holm", "p_holm"),
    },
    "fig6_mention_gap": {
        "rater": ("rater",),
        "kind": ("kind",),
        "estimate": ("delta",),
        "ci_low": ("ci_low",),
        "ci_high": ("ci_high",),
        "note": ("note",),
    },
    "fig7_mention_vs_penalty": {
        "model": ("model",),
        "rate": ("mention_rate",),
        "rate_ci_low": ("exact_ci_low", "ci_low"),
        "rate_ci_high": ("exact_ci_high", "ci_high"),
        "spearman": ("spearman",),
        "pearson": ("pearson",),
        # the verdict's p: the exact permutation test of Pearson's r (size .05 over 5 models)
        "p_test": ("p_permutation_pearson",),
        # Spearman's exact p: discrete over 5 models (size 2/120), shown, never a verdict
        "p_spearman": ("p_spearman_exact_conservative",),
        "p_spearman_one_sided": ("p_spearman_one_sided_conservative",),
    },
    "reward_models": {
        "system": ("system",),
        "estimate": ("spearman",),
        "ci_low": ("spearman_ci_low",),
        "ci_high": ("spearman_ci_high",),
    },
}

#: Tables the ledger reads (results/<study>/tables/<name>.csv).
TABLES = (
    *(name for name in COLUMNS if name != "gaps"),
    "gaps_stage1",
    "gaps_stage2",
    "gaps_stage3",
)

#: Which model each paper name stands for: tokens that must all occur in a system name.
MODEL_TOKENS = {
    "claude": ("claude",),
    "gpt": ("gpt",),
    "llama": ("llama",),
    "qwen": ("qwen",),
    "gemma": ("gemma",),
    "roberta": ("roberta",),
    "grpo": ("grpo",),
    # the baselines' headline protocol (README, Conventions): per-pair top-k with k the pair's
    # number of consensus-relevant attributes, the protocol that reproduces the paper's Fig 4
    # on the authors' final round; the embedding is the sentence model, not LSA
    "bm25": ("bm25", "top-k-oracle"),
    "embedding": ("embedding", "minilm", "top-k-oracle"),
}
MODEL_NAMES = {
    "claude": "Claude",
    "gpt": "GPT-5.4",
    "llama": "Llama-3.3",
    "qwen": "Qwen3.5",
    "gemma": "Gemma-4",
}
