"""Stage 2, relevance matching (paper.md): which of a user's attributes should change the
answer to a prompt, according to human annotators, LLMs, text baselines and trained models.

- ``data``: items, votes and the human consensus from the study database, as an items ×
  raters label matrix with each item's bootstrap cluster (its user; data.CLUSTER).
- ``agreement``: consensus summary, relevance rates and over-selection ratios, the pairwise
  kappa matrix (Fig 3), group means of kappa and Krippendorff's alpha, the gaps rows.
- ``baselines``: BM25 (bm25s) and LSA embedding similarity with prompt-grouped CV thresholds.
- ``alignment``: each system against the consensus (Table 3, Fig 4).
- ``variance``: variance components of the human votes (user, attribute, pair, item, annotator).
- ``jobs``: what each Snakemake script does; ``plots``: the figures (altair, plotting jobs only);
  ``names``: the baseline system names (light, read by the Snakefile).
"""
