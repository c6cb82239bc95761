"""The pricing stages of SPEC §2, one module each, run in order by ``rules.engine``."""
