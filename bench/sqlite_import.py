"""CSV imports on SQLite, the embedded default: the CLI's importers at two sizes, 10× apart.

The PostgreSQL figures (and the comparison with COPY) are ``bench/segments.py``'s. This one
watches the path a shop without a database server takes: the chunked Python path. The second
size's time over the first's says whether an import grows linearly with the file (about 10×);
a statement whose plan walks the whole shop once per chunk shows as far more.
"""
from __future__ import annotations

import argparse
import sys
import tempfile
import time
from datetime import datetime
from pathlib import Path

import segments  # noqa: E402  (puts the repository on sys.path, through bench/common.py)

import common  # noqa: E402
from plugin import imports, migrate  # noqa: E402
from plugin.db import session  # noqa: E402
from plugin.imports.reading import open_text  # noqa: E402
from plugin.models import Shop  # noqa: E402
from plugin.segments.refresh import refresh_shop  # noqa: E402

#: (customers, activities) of each run: the same shape, 10× apart.
SIZES = ((2_000, 20_000), (20_000, 200_000))


def measure(data_dir: Path, customers: int, activities: int, seed: int, now: datetime) -> dict:
    """Both files imported into a new SQLite database as ``import-* --no-refresh`` would, then
    one refresh of the shop at ``now``: seconds and rows per second of each step."""
    segments.generate(data_dir, customers, activities, seed, now)
    customers_path, activities_path = segments.data_files(data_dir, customers, activities, seed, now)
    database = data_dir / f"import-{customers}.db"
    database.unlink(missing_ok=True)
    app = common.bench_app(f"sqlite:///{database}")
    result: dict = {"customers": customers, "activities": activities}
    with app.app_context():
        migrate.upgrade("head")
        shop_id, _key = common.new_shop(app, "bench-sqlite-import")
        for kind, path, importer in (("customers", customers_path, imports.import_customers),
                                     ("activities", activities_path, imports.import_activities)):
            shop = session().get(Shop, shop_id)
            with path.open("rb") as binary:
                text, _counter = open_text(binary)
                started = time.perf_counter()
                report = importer(shop, text, actor="cli", refresh=False)
                seconds = time.perf_counter() - started
            result[kind] = {"seconds": round(seconds, 2), "rows": report.rows,
                            "rows_per_s": round(report.rows / seconds)}
            segments.log(f"{customers}/{activities}: {report.summary()} in {seconds:.1f} s")
        started = time.perf_counter()
        refresh_shop(session().get(Shop, shop_id), now)
        result["refresh_seconds"] = round(time.perf_counter() - started, 2)
    database.unlink()
    return result


def main(argv: list[str] | None = None) -> dict:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seed", type=int, default=42, help="seed of the generated data (default: %(default)s)")
    parser.add_argument("--data-dir", type=Path, help="where the CSV files and databases go (default: a temporary folder)")
    parser.add_argument("--output", type=Path, help="also write the JSON result to this file")
    args = parser.parse_args(argv)
    now = datetime.fromisoformat(segments.DEFAULT_NOW)
    with tempfile.TemporaryDirectory(prefix="cg-sqlite-import-") as scratch:
        data_dir = args.data_dir or Path(scratch)
        runs = [measure(data_dir, customers, activities, args.seed, now) for customers, activities in SIZES]
    small, large = runs
    result = {
        "benchmark": "sqlite_import",
        "machine": common.machine(),
        "sqlite": __import__("sqlite3").sqlite_version,
        "runs": runs,
        "growth_for_10x_rows": {kind: round(large[kind]["seconds"] / small[kind]["seconds"], 1)
                                for kind in ("customers", "activities")},
    }
    common.emit(result, args.output)
    return result


if __name__ == "__main__":
    sys.exit(0 if main() else 1)
