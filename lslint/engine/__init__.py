"""The rule engine: load YAML rules, check them against the models, evaluate them.

One module per concept, each importing only those listed before it:

- ``paths``: the models' shape as rules see it; dotted paths parsed and resolved against it
  when a rule loads, and looked up in resources when it runs.
- ``regex``, ``operators``: the operator table (applicability, operand checks, tests).
- ``params``: parameter types and uses, and the one check every parameter value passes.
- ``conditions``: condition nodes and their parsing and type-checking.
- ``logic``: three-valued evaluation, with one some/every/none truth table.
- ``compiled``: conditions compiled once into closures that build each node's outcome;
  ``truth``: conditions compiled to functions that answer only true, false or unknown.
- ``templates``: messages and remediation commands.
- ``rule``: a loaded rule; ``loader``: YAML files to rules; ``evaluate``: rules x resources.
"""
