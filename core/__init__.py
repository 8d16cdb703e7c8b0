"""The headless story core: domain, rules, worlds, storage and services."""
