# The simulated study (the workflow's default): data/raw/simulated/ in the canonical format,
# generated from a latent-variable model calibrated to the paper (recenter.simulate, README
# there), with truth.json: the generating parameters and the population value of every
# statistic. Same seed and scale -> same bytes. It is NOT the study's data.
from recenter.simulate import design as _sim_design


rule simulate:
    output:
        study_json="data/raw/simulated/study.json",
        truth="data/raw/simulated/truth.json",
        data=[
            f"data/raw/simulated/{rel}"
            for rel in _sim_design.planned_files(config["simulate"]["scale"])
        ],
    log:
        "logs/simulated/simulate.log",
    benchmark:
        "benchmarks/simulate.tsv"
    conda:
        "../envs/recenter.yaml"
    threads: 1
    resources:
        mem_mb=simulate_memory_mb(config["simulate"]["scale"]),
        runtime=simulate_runtime_min(config["simulate"]["scale"]),
    params:
        seed=config["simulate"]["seed"],
        scale=config["simulate"]["scale"],
    script:
        "../scripts/simulate.py"
