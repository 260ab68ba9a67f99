#!/usr/bin/env bash
# The offline plan of each stack on this branch and its difference from the base branch's plan, as
# one Markdown comment (used by .github/workflows/pull-request.yml and .gitlab-ci.yml).
#
#   plan-difference.sh BASE_CHECKOUT OUT_DIR STACK...
#
# BASE_CHECKOUT is a checkout of the base revision: its plans come from its own code, run with this
# checkout's virtualenv (.venv). Writes OUT_DIR/comment.md (first line: the marker the comment is
# found by on later pushes), OUT_DIR/<stack>/plan.{json,md}, architecture.svg and base.json. A stack
# the base cannot plan (new, or invalid there) is compared with {}: everything counts as added.
# Exit status: 0, or 1 when a stack of this branch has a mandatory violation or does not plan
# (after every stack is planned and the comment is written).
set -uo pipefail

base=$(cd "$1" && pwd)
out=$2
shift 2
python=$(pwd)/.venv/bin/python
marker='<!-- superset-stack plan difference -->'
status=0

mkdir -p "$out"
{
    echo "$marker"
    echo "## Offline plan: this change against the base branch"
    echo
    echo "Recorded under mocks (\`superset-stack plan\`), nothing deployed. Commit $(git rev-parse --short HEAD 2> /dev/null || echo unknown)."
    echo
} > "$out/comment.md"

for stack in "$@"; do
    mkdir -p "$out/$stack"
    # The base branch's plan, from its own sources.
    (cd "$base" && PYTHONPATH=src "$python" -c 'from superset_stack.cli import app; app()' \
        plan --stack "$stack" --format json) > "$out/$stack/base.json" 2> "$out/$stack/base.log"
    # Paths in it (the image's build context) name the base checkout: read them as this checkout's.
    if ! "$python" - "$out/$stack/base.json" "$base" "$PWD" 2> /dev/null <<'PY'; then
import json, sys
path, base, here = sys.argv[1:]
text = open(path).read()
json.loads(text)
open(path, "w").write(text.replace(json.dumps(base)[1:-1], json.dumps(here)[1:-1]))
PY
        echo '{}' > "$out/$stack/base.json"
    fi
    # This branch's plan and its difference; the exit status counts its mandatory violations.
    if ! .venv/bin/superset-stack plan --stack "$stack" --diff "$out/$stack/base.json" --format markdown \
        --out "$out/$stack" >> "$out/comment.md" 2> "$out/$stack/plan.log"; then
        status=1
        {
            echo
            echo "**Stack \`$stack\` fails its plan** (a mandatory policy violation, or invalid settings):"
            echo
            echo '```'
            tail -n 20 "$out/$stack/plan.log"
            echo '```'
        } >> "$out/comment.md"
    fi
    echo >> "$out/comment.md"
done

cat "$out/comment.md"
exit "$status"
