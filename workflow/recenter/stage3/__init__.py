"""Stage 3, response generation (paper.md): is the personalized answer better than the generic
one, for each attribute it was given, according to human annotators, LLM judges and reward
models?

- ``data``: rated units (response item, attribute) with their cluster (the response item),
  human ratings as a units × annotators matrix, one judge's ratings, explicit-mention flags.
- ``agreement``: human agreement (Spearman, weighted κ, ordinal α) and Fig 5 means;
  ``judges``: each judge against humans (Table 6, Wilcoxon + Holm) and the reward models;
  ``mentions``: mention gaps (Fig 6, Fig 7); ``gaps``: the Stage-3 rows of the gaps summary;
  ``common``: the small-cluster widening they share. ``analysis`` re-exports their names.
- ``variance``: variance components of the human ratings (pair, item, unit, annotator; MixedLM).
- ``jobs``: what each Snakemake script does; ``plots``: the figures (altair, plotting jobs only).
"""
