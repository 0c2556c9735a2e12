# Every developer command, in one place.
.PHONY: help build serve test test-swift test-integration format check-style bench
help:
	@echo "make build             build everything"
	@echo "make serve             run roster serve with ./data"
	@echo "make test              the whole suite (what CI runs)"
	@echo "make test-swift        the Swift tests only"
	@echo "make test-integration  the integration tests only (needs make test once for the venv)"
	@echo "make format            format every Swift file with the committed .swift-format"
	@echo "make check-style       what CI checks first: swift-format lint, 120 columns, the layers"
	@echo "make bench             the README's Performance table, measured here (release build)"
build:
	swift build
serve:
	swift run roster serve
test:
	scripts/test
test-swift:
	swift test
test-integration: build
	ROSTER_BIN=$(PWD)/.build/debug/roster .venv/bin/python -m pytest tests-integration -q
format:
	swift format format --in-place --recursive --parallel Sources Tests Package.swift
check-style:
	scripts/check-style
bench:
	scripts/bench
