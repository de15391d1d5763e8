"""action.yml and action/run.sh agree: every input the file uses is declared,
every INPUT_ variable run.sh reads is set from the input of that name, and
the outputs are exactly those run.sh writes. Run by tests/ci/action_test.sh.
Usage: python action_yml_check.py ACTION_YML RUN_SH (needs PyYAML)."""
import re
import sys

import yaml

text = open(sys.argv[1]).read()
action = yaml.safe_load(text)
script = open(sys.argv[2]).read()

inputs = set(action["inputs"])
used = set(re.findall(r"inputs\.([a-z-]+)", text))
assert used <= inputs, f"undeclared inputs: {sorted(used - inputs)}"

run = next(s for s in action["runs"]["steps"] if s.get("id") == "run")
env = run["env"]
read = set(re.findall(r"\$\{?(INPUT_[A-Z_]+)", script))
assert read <= set(env), f"run.sh reads unset {sorted(read - set(env))}"
for name, value in env.items():
    if name.startswith("INPUT_"):
        expected = "${{ inputs.%s }}" % name[len("INPUT_"):].lower().replace("_", "-")
        assert value == expected, (name, value)

written = set(re.findall(r"output ([a-z_]+) ", script))
for name, spec in action["outputs"].items():
    assert spec["value"] == "${{ steps.run.outputs.%s }}" % name, name
assert set(action["outputs"]) == written, (sorted(action["outputs"]), sorted(written))
print("action.yml matches run.sh")

# docs/ci.md: every YAML block parses, and every use of the action passes
# only inputs it declares.
if len(sys.argv) > 3:
    doc = open(sys.argv[3]).read()
    uses = 0
    for block in re.findall(r"```yaml\n(.*?)```", doc, re.S):
        # Step fragments (indented list items) parse on their own too.
        parsed = yaml.safe_load(block)

        def walk(node):
            global uses
            if isinstance(node, dict):
                if str(node.get("uses", "")).startswith("your-org/slretire@"):
                    uses += 1
                    extra = set(node.get("with", {})) - inputs
                    assert not extra, f"docs/ci.md passes unknown inputs {sorted(extra)}"
                for value in node.values():
                    walk(value)
            elif isinstance(node, list):
                for value in node:
                    walk(value)

        walk(parsed)
    assert uses >= 3, f"docs/ci.md uses the action {uses} times"
    print(f"docs/ci.md: {uses} uses of the action, all inputs declared")
