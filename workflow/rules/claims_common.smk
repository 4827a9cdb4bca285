# Helpers of workflow/rules/claims.smk (kept apart: a rule file holds rules, not functions).
from recenter import claims as _claims

PAPER_VALUES = "workflow/resources/paper_values.yaml"

# Which registered outputs make up each part of the paper (target rules stage1/2/3);
# tests/test_claims_workflow.py checks that every registered output is in one group.
S1_OUTPUT_NAMES = (
    "fig2_attribute_quality",
    "stage1_agreement",
    "failure_modes",
    "tab2_verifiers",
    "tab1_conversation_diversity",
    "gaps_stage1",
    "notebook stage1_attributes",
)
S2_OUTPUT_NAMES = (
    "consensus_summary",
    "relevance_rates",
    "fig3_kappa_matrix",
    "tab3_relevance_alignment",
    "gaps_stage2",
    "stage2_variance_components",
    "notebook stage2_relevance",
)
CLAIMS_OUTPUT_NAMES = ("claims", "gaps_summary", "fig1_pipeline", "provenance")
STAGE_GROUPS = {
    "stage1": S1_OUTPUT_NAMES,
    "stage2": S2_OUTPUT_NAMES,
    "stage3": (
        *S3_OUTPUT_NAMES,
        "stage3_variance_components",
        "notebook stage3_responses",
    ),
    "claims": CLAIMS_OUTPUT_NAMES,
}


def group_targets(group):
    """Supported outputs of one part of the paper, for every study of this run."""
    names = set(STAGE_GROUPS[group])
    targets = []
    for study in STUDIES:
        for entry in OUTPUTS:
            if entry["name"] in names and missing_reason(study, entry) is None:
                targets.extend(entry["paths"](study))
    return targets


def _supported_tables(study, names):
    """results/<study>/tables/<name>.csv of the registered outputs the study supports."""
    wanted = {f"{results_dir(study)}/tables/{n}.csv" for n in names}
    found = set()
    for entry in OUTPUTS:
        if (
            entry["name"] in CLAIMS_OUTPUT_NAMES
            or missing_reason(study, entry) is not None
        ):
            continue
        found.update(p for p in entry["paths"](study) if p in wanted)
    return sorted(found)


def claims_tables(study):
    return _supported_tables(study, _claims.TABLES)


def gaps_tables(study):
    return _supported_tables(study, ("gaps_stage1", "gaps_stage2", "gaps_stage3"))


def _gaps_summary_requires(study):
    if gaps_tables(study):
        return None
    return "no gaps table (gaps_stage1/2/3) is supported by this study's data"


def claims_truth(study):
    """The simulator's truth.json (population values quoted in the ledger's notes)."""
    return [f"{raw_dir(study)}/truth.json"] if study == "simulated" else []


def _claims_input(wc):
    return {
        "db": analysis_db(wc.study),
        "tables": claims_tables(wc.study),
        "skipped": f"{results_dir(wc.study)}/skipped.csv",
        "paper": PAPER_VALUES,
        "truth": claims_truth(wc.study),
    }
