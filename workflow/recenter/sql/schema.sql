-- Tables of a study database (data/processed/<study>/study.duckdb).
-- Built by recenter.ingest from data/raw/<study>/ (format: data/raw/README.md).
-- Human and model judgments of one stage share a table, told apart by rater_kind,
-- so that agreement between any two raters is one self-join.

CREATE TABLE study (
    name        VARCHAR PRIMARY KEY,
    data_kind   VARCHAR NOT NULL CHECK (data_kind IN ('simulated', 'real', 'fixture')),
    description VARCHAR NOT NULL,
    source      VARCHAR
);

CREATE TABLE users (
    user_id        VARCHAR PRIMARY KEY,
    source_dataset VARCHAR NOT NULL,
    is_real        BOOLEAN NOT NULL
);

CREATE TABLE conversations (
    conversation_id VARCHAR PRIMARY KEY,
    user_id         VARCHAR NOT NULL REFERENCES users (user_id)
);

CREATE TABLE conversation_turns (
    conversation_id VARCHAR NOT NULL REFERENCES conversations (conversation_id),
    turn_index      INTEGER NOT NULL CHECK (turn_index >= 0),
    role            VARCHAR NOT NULL CHECK (role IN ('user', 'assistant')),
    text            VARCHAR NOT NULL,
    PRIMARY KEY (conversation_id, turn_index)
);

CREATE TABLE attributes (
    attribute_id VARCHAR PRIMARY KEY,
    user_id      VARCHAR NOT NULL REFERENCES users (user_id),
    text         VARCHAR,
    extractor    VARCHAR NOT NULL,
    confidence   DOUBLE CHECK (confidence BETWEEN 0 AND 1)
);

-- Stage 1, human: accepted / uncertain / rejected.
CREATE TABLE attribute_judgments (
    attribute_id VARCHAR NOT NULL REFERENCES attributes (attribute_id),
    annotator_id VARCHAR NOT NULL,
    label        VARCHAR NOT NULL CHECK (label IN ('accepted', 'uncertain', 'rejected')),
    PRIMARY KEY (attribute_id, annotator_id)
);

CREATE TABLE failure_modes (
    attribute_id VARCHAR NOT NULL REFERENCES attributes (attribute_id),
    labeler      VARCHAR NOT NULL,
    category     VARCHAR NOT NULL CHECK (category IN ('overgeneralization', 'missing_evidence',
                     'task_context_confusion', 'not_standalone', 'other')),
    PRIMARY KEY (attribute_id, labeler)
);

-- Stage 1, models: one row per (verifier file, attribute).
CREATE TABLE verifier_predictions (
    system       VARCHAR NOT NULL,
    verifier_kind VARCHAR NOT NULL CHECK (verifier_kind IN ('llm', 'trained')),
    attribute_id VARCHAR NOT NULL REFERENCES attributes (attribute_id),
    problematic  BOOLEAN NOT NULL,
    score        DOUBLE,
    PRIMARY KEY (system, attribute_id)
);

CREATE TABLE prompts (
    prompt_id VARCHAR PRIMARY KEY,
    text      VARCHAR NOT NULL,
    source    VARCHAR NOT NULL
);

-- Stage 2 unit: one attribute of one user for one prompt.
CREATE TABLE relevance_items (
    item_id      VARCHAR PRIMARY KEY,
    user_id      VARCHAR NOT NULL REFERENCES users (user_id),
    prompt_id    VARCHAR NOT NULL REFERENCES prompts (prompt_id),
    attribute_id VARCHAR NOT NULL REFERENCES attributes (attribute_id),
    UNIQUE (user_id, prompt_id, attribute_id)
);

-- Stage 2 votes of every rater: human annotators and model files alike.
CREATE TABLE relevance_votes (
    item_id    VARCHAR NOT NULL REFERENCES relevance_items (item_id),
    rater_id   VARCHAR NOT NULL,
    rater_kind VARCHAR NOT NULL CHECK (rater_kind IN ('human', 'llm', 'baseline', 'trained')),
    relevant   BOOLEAN NOT NULL,
    score      DOUBLE,
    PRIMARY KEY (item_id, rater_id)
);

-- Stage 3 unit: one generator's generic/personalized pair for a user-prompt pair.
CREATE TABLE response_items (
    response_item_id      VARCHAR PRIMARY KEY,
    generator             VARCHAR NOT NULL,
    user_id               VARCHAR NOT NULL REFERENCES users (user_id),
    prompt_id             VARCHAR NOT NULL REFERENCES prompts (prompt_id),
    generic_response      VARCHAR NOT NULL,
    personalized_response VARCHAR NOT NULL
);

-- The attributes given to the generator: the (item, attribute) units that are rated.
CREATE TABLE response_item_attributes (
    response_item_id VARCHAR NOT NULL REFERENCES response_items (response_item_id),
    attribute_id     VARCHAR NOT NULL REFERENCES attributes (attribute_id),
    PRIMARY KEY (response_item_id, attribute_id)
);

-- Stage 3 ratings of every rater: humans (1-5), LLM judges (1-5), reward models (real).
CREATE TABLE preference_ratings (
    response_item_id      VARCHAR NOT NULL,
    attribute_id          VARCHAR NOT NULL,
    rater_id              VARCHAR NOT NULL,
    rater_kind            VARCHAR NOT NULL CHECK (rater_kind IN ('human', 'llm_judge', 'reward_model')),
    rating                DOUBLE NOT NULL,
    personalized_position VARCHAR CHECK (personalized_position IN ('first', 'second')),
    PRIMARY KEY (response_item_id, attribute_id, rater_id),
    FOREIGN KEY (response_item_id, attribute_id)
        REFERENCES response_item_attributes (response_item_id, attribute_id),
    CHECK (rater_kind = 'reward_model' OR (rating BETWEEN 1 AND 5 AND rating = round(rating)))
);

CREATE TABLE mention_flags (
    response_item_id VARCHAR NOT NULL,
    attribute_id     VARCHAR NOT NULL,
    flagger          VARCHAR NOT NULL,
    explicit_mention BOOLEAN NOT NULL,
    PRIMARY KEY (response_item_id, attribute_id, flagger),
    FOREIGN KEY (response_item_id, attribute_id)
        REFERENCES response_item_attributes (response_item_id, attribute_id)
);

-- One row per raw file: what was loaded, from exactly which bytes.
CREATE TABLE provenance (
    path               VARCHAR PRIMARY KEY,  -- relative to data/raw/<study>/
    sha256             VARCHAR NOT NULL,
    n_bytes            BIGINT NOT NULL,
    n_lines            INTEGER NOT NULL,
    n_records          INTEGER NOT NULL,     -- after merging identical duplicates
    n_duplicates_merged INTEGER NOT NULL,
    role               VARCHAR NOT NULL,     -- table family the file feeds
    system             VARCHAR,              -- model files: the system (file stem)
    system_kind        VARCHAR               -- model files: the folder kind
);
