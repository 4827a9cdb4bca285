-- Views the analyses share. Created by recenter.ingest after the tables are loaded.

-- Stage 2 items with their bootstrap cluster, the user-prompt pair.
CREATE VIEW relevance_items_with_pair AS
SELECT i.item_id, i.user_id, i.prompt_id, i.attribute_id,
       i.user_id || '::' || i.prompt_id AS pair_id,
       a.text AS attribute_text, p.text AS prompt_text
FROM relevance_items i
JOIN attributes a USING (attribute_id)
JOIN prompts p USING (prompt_id);

-- Human consensus of Stage 2 (docs: paper.md, conventions): majority vote of the human
-- annotators who labelled the item. A tie (possible with an even number of labels) is
-- "not relevant" and flagged; items with no human label are absent from this view.
-- recenter.stats.agreement.majority_vote is the Python twin tested against it.
CREATE VIEW human_relevance_consensus AS
SELECT v.item_id,
       count(*)                                         AS n_human_labels,
       count(*) FILTER (WHERE v.relevant)               AS n_relevant,
       (2 * count(*) FILTER (WHERE v.relevant)) > count(*) AS relevant,
       (2 * count(*) FILTER (WHERE v.relevant)) = count(*) AS is_tie
FROM relevance_votes v
WHERE v.rater_kind = 'human'
GROUP BY v.item_id;

-- Stage 1 judgments with the dataset of the attribute's user.
CREATE VIEW attribute_judgments_by_dataset AS
SELECT j.attribute_id, j.annotator_id, j.label,
       a.user_id, u.source_dataset, u.is_real
FROM attribute_judgments j
JOIN attributes a USING (attribute_id)
JOIN users u USING (user_id);

-- Stage 3 rated units with their generator and bootstrap cluster (the response item).
CREATE VIEW preference_units AS
SELECT ra.response_item_id, ra.attribute_id, r.generator, r.user_id, r.prompt_id
FROM response_item_attributes ra
JOIN response_items r USING (response_item_id);
