"""The rule-language compiler, in pipeline order: load → validate → overlay → parse → check.

`runtime.compiler.pipeline` runs the stages; `runtime.load` / `runtime.check` are the public entry
points. Stages: loader (YAML with positions), validate (JSON Schema per kind, schemas/), overlay
(property set/add/remove/unset), parsers → model (frozen dataclasses; timeexpr, expr compile
durations, recurrences and conditions), checks (named cross-checks per view).
"""
