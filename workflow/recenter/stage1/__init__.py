"""Stage 1, attribute extraction (paper.md): which extracted user attributes human annotators
accept, find uncertain or reject, why flagged ones fail, and how well verifiers find them.

- ``data``: judgments as an attributes × annotators matrix of ordinal codes with each
  attribute's user (the bootstrap cluster) and dataset; failure modes, verifier predictions,
  conversation texts.
- ``quality``: label shares per dataset and the real-synthetic gap (Fig 2), failure-mode
  shares, the annotators' agreement (ordinal/nominal alpha, mean pairwise kappa).
- ``verifiers``: the human *problematic* label, each verifier against it (Table 2), the gaps rows.
- ``diversity``: conversation diversity per dataset (Table 1) [ours].
- ``jobs``: what each Snakemake script does; ``plots``: the figures (plotting jobs only).
"""
