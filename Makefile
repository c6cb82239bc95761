# The two commands of the README: `make demo` and `make test`. Both set up .venv first.
VENV ?= .venv
PYTHON = $(VENV)/bin/python
FLASK = $(VENV)/bin/flask --app examples.demo_shop:create_app
INSTALLED = $(VENV)/.installed
HOST ?= 127.0.0.1
PORT ?= 5000

.PHONY: demo test install

install: $(INSTALLED)

$(INSTALLED): setup.cfg pyproject.toml
	test -x $(PYTHON) || python3 -m venv $(VENV)
	$(PYTHON) -m pip install -q --upgrade pip
	$(PYTHON) -m pip install -q -e '.[test]'
	touch $(INSTALLED)

demo: $(INSTALLED)
	$(FLASK) customer-groups init-db
	$(PYTHON) -m examples.demo_shop.seed
	$(FLASK) run --host $(HOST) --port $(PORT)

test: $(INSTALLED)
	$(PYTHON) -m pytest $(PYTEST_ARGS)
