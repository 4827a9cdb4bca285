# Every figure: one rule <name>_figure per entry of the registry recenter.figures.FIGURES, all
# alike and drawn by the one script figure.py. Each takes the database the same way (ancient,
# from the ingest checkpoint: it never triggers a re-run, but it makes Snakemake plan the
# figure after ingest, so a new raw file re-draws only the figures whose table changed), the
# tables it is drawn from, and the raw files it shows through the database (Fig 1's counts).
# Their outputs are registered next to their tables (register_output in the stage files).


def _figure_raw(figure):
    return lambda wc: raw_paths(wc.study, *figure.raw) if figure.raw else []


for _fig in FIGURES.values():

    rule:
        name:
            _fig.rule
        input:
            db=lambda wc: analysis_db(wc.study),
            tables=[f"results/{{study}}/tables/{t}.csv" for t in _fig.tables],
            raw=_figure_raw(_fig),
        output:
            spec=f"results/{{study}}/figures/{_fig.name}.vl.json",
            png=report(
                f"results/{{study}}/figures/{_fig.name}.png",
                caption=f"../report/{_fig.caption}",
                category=_fig.stage,
            ),
            svg=f"results/{{study}}/figures/{_fig.name}.svg",
        log:
            f"logs/{{study}}/{_fig.rule}.log",
        benchmark:
            f"benchmarks/{{study}}/{_fig.rule}.tsv"
        # submitted together on a cluster (group-components, SLURM profile); ignored locally
        group:
            "figures"
        conda:
            "../envs/recenter.yaml"
        threads: 1
        resources:
            mem_mb=job_memory_mb(600, 0.0),
            runtime=job_runtime_min(5, 0.0),
        params:
            figure=_fig.name,
            study=lambda wc: wc.study,
            confidence=config["bootstrap"]["confidence"],
        script:
            "../scripts/figure.py"
