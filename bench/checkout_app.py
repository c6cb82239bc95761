"""The WSGI app ``bench/checkout.py http`` serves under gunicorn: the demo shop as it ships,
plus ``/bench/constant``, a view that returns a constant JSON document (the framework's ceiling).

    gunicorn --chdir <repo> bench.checkout_app:app      # with DATABASE_URL set

The constant endpoint exists only in this benchmark app, never in the plugin or the demo shop.
It answers GET and POST, so the load generator can send it the very request it sends to
``/checkout/evaluate`` (same body and headers), and it is exempt from the demo's CSRF check, as
the plugin's API blueprint is.
"""
from __future__ import annotations

import sys
from pathlib import Path

from flask import Flask, jsonify

REPO_ROOT = Path(__file__).resolve().parents[1]
if str(REPO_ROOT) not in sys.path:
    sys.path.insert(0, str(REPO_ROOT))

from examples.demo_shop import create_app, csrf  # noqa: E402

CONSTANT = {"ok": True, "currency": "EUR", "total": "0.00"}


def bench_app() -> Flask:
    app = create_app()

    @app.route("/bench/constant", methods=["GET", "POST"])
    @csrf.exempt
    def bench_constant():
        return jsonify(CONSTANT)

    return app


app = bench_app()
