"""Statistics shared by the three stages, each a small pure function tested against an
independent implementation (scikit-learn, the krippendorff package, textbook values):

- ``agreement``: Cohen's kappa (scalar, from 2×2 counts, every rater pair per cluster),
  Krippendorff's nominal alpha (package wrapper with reasons instead of exceptions, and a
  binary sufficient-statistic form for the bootstrap), majority vote (twin of the SQL view
  ``human_relevance_consensus``).
- ``classification``: accuracy, precision, recall, F1 and kappa from confusion counts;
  average precision; the F1-optimal threshold.
- ``bootstrap``: seeded percentile cluster bootstrap on per-cluster sums (users in Stage 1,
  user-prompt pairs in Stage 2, response items in Stage 3).
"""
