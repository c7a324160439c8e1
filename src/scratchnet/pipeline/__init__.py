"""Pipeline steps: the functions Snakemake rules call (through ``workflow/scripts``). Snakemake-free."""
