"""The rule engine: load YAML rules, check them against the models, evaluate them."""
