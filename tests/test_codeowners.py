"""CODEOWNERS matching, from the examples of GitHub's documentation of the file."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from registry.load.codeowners import CodeOwners

# GitHub's documented example file (docs: "About code owners", example of a CODEOWNERS file).
GITHUB_EXAMPLE = """\
# This is a comment.
# Each line is a file pattern followed by one or more owners.

# These owners will be the default owners for everything in
# the repo. Unless a later match takes precedence,
# @global-owner1 and @global-owner2 will be requested for
# review when someone opens a pull request.
*       @global-owner1 @global-owner2

# Order is important; the last matching pattern takes the most
# precedence. When someone opens a pull request that only
# modifies JS files, only @js-owner and not the global
# owner(s) will be requested for a review.
*.js    @js-owner #This is an inline comment.

# You can also use email addresses if you prefer. They'll be
# used to look up users just like we do for commit author
# emails.
*.go docs@example.com

# Teams can be specified as code owners as well. Teams should
# be identified in the format @org/team-name. Teams must have
# explicit write access to the repository. In this example,
# the octocats team in the octo-org organization owns all .txt files.
*.txt @octo-org/octocats

# In this example, @doctocat owns any files in the build/logs
# directory at the root of the repository and any of its
# subdirectories.
/build/logs/ @doctocat

# The `docs/*` pattern will match files like
# `docs/getting-started.md` but not further nested files like
# `docs/build-app/troubleshooting.md`.
docs/*  docs@example.com

# In this example, @octocat owns any file in an apps directory
# anywhere in your repository.
apps/ @octocat

# In this example, @doctocat owns any file in the `/docs`
# directory in the root of your repository and any of its
# subdirectories.
/docs/ @doctocat

# In this example, any change inside the `/scripts` directory
# will require approval from @doctocat or @octocat.
/scripts/ @doctocat @octocat

# In this example, @octocat owns any file in a `/logs` directory such as
# `/build/logs`, `/scripts/logs`, and `/deeply/nested/logs`. Any changes
# in a `/logs` directory will require approval from @octocat.
**/logs @octocat

# In this example, @octocat owns any file in the `/apps`
# directory in the root of your repository except for the `/apps/github`
# subdirectory, as its owners are left empty. Without an owner, changes
# to `apps/github` can be made with the approval of any user who has
# write access to the repository.
/apps/ @octocat
/apps/github

# In this example, @octocat owns any file in the `/apps`
# directory in the root of your repository except for the `/apps/github`
# subdirectory, as this subdirectory has its own owner @doctocat
/apps/ @octocat
/apps/github @doctocat
"""


@pytest.mark.parametrize(
    ("path", "owners"),
    [
        ("README.md", ("@global-owner1", "@global-owner2")),
        ("src/app.js", ("@js-owner",)),
        ("cmd/main.go", ("docs@example.com",)),
        ("notes/todo.txt", ("@octo-org/octocats",)),
        ("build/logs/today.log", ("@octocat",)),  # **/logs comes later and wins
        ("build/logs/2024/old.log", ("@octocat",)),
        ("src/build/logs/x.md", ("@octocat",)),
        ("docs/getting-started.md", ("@doctocat",)),  # /docs/ comes after docs/*
        ("docs/build-app/troubleshooting.md", ("@doctocat",)),
        ("lib/apps/thing.py", ("@octocat",)),
        ("scripts/deploy.sh", ("@doctocat", "@octocat")),
        ("deeply/nested/logs/a.txt", ("@octocat",)),
        ("apps/web/main.py", ("@octocat",)),
        ("apps/github/hook.py", ("@doctocat",)),
    ],
)
def test_github_documented_example(path: str, owners: tuple[str, ...]) -> None:
    assert CodeOwners.from_text(GITHUB_EXAMPLE).owners_for(path) == owners


@pytest.mark.parametrize(
    ("text", "path", "owners"),
    [
        ("docs/* @a\n", "docs/getting-started.md", ("@a",)),
        ("docs/* @a\n", "docs/build-app/troubleshooting.md", ()),  # not recursive
        ("/apps/ @o\n/apps/github\n", "apps/github/x.py", ()),  # no owners clears ownership
        ("/apps/ @o\n/apps/github\n", "apps/web/x.py", ("@o",)),
        ("/build/logs/ @d\n", "other/build/logs/x", ()),  # leading / anchors
        ("build/logs/ @d\n", "other/build/logs/x", ()),  # a middle / anchors too
        ("logs/ @d\n", "other/logs/x", ("@d",)),  # trailing / only: anywhere
        ("logs/ @d\n", "other/logs", ()),  # a directory pattern never matches a file
        ("docs/** @d\n", "docs/a/b/c.md", ("@d",)),
        ("src/**/test.py @t\n", "src/test.py", ("@t",)),
        ("src/**/test.py @t\n", "src/a/b/test.py", ("@t",)),
        ("\\[abc].txt @x\n", "[abc].txt", ("@x",)),  # an escaped bracket is literal
        ("*.md @a\nREADME.md @b\n", "README.md", ("@b",)),  # last match wins
        ("README.md @b\n*.md @a\n", "README.md", ("@a",)),
        ("file?.txt @q\n", "file1.txt", ("@q",)),
        ("*.yaml @y # trailing comment\n", "plans/web/plan.yaml", ("@y",)),
        ("Plans/ @p\n", "plans/x.yaml", ()),  # case-sensitive
    ],
)
def test_pattern_rules(text: str, path: str, owners: tuple[str, ...]) -> None:
    assert CodeOwners.from_text(text).owners_for(path) == owners


@pytest.mark.parametrize(
    ("line", "message"),
    [
        ("!docs/ @a", "negation"),
        ("\\#file @a", "escaped '#'"),
        ("docs/[ab]* @a", "character ranges"),
        ("docs/ acme/team", "'acme/team' is not an owner"),
        ("docs/ @acme/", "'@acme/' is not an owner"),
    ],
)
def test_lines_github_rejects_are_problems_with_their_line(line: str, message: str) -> None:
    owners = CodeOwners.from_text(f"* @all\n{line}\n")
    assert [(n, m) for n, m in owners.problems if message in m] and owners.problems[0][0] == 2
    assert owners.owners_for("docs/x") == ("@all",)  # the rejected line matches nothing


VECTORS = json.loads((Path(__file__).parent / "fixtures" / "codeowners_vectors.json").read_text())


@pytest.mark.parametrize(
    "vector", VECTORS, ids=[f"{v['pattern']!r}~{v['path']!r}" for v in VECTORS]
)
def test_github_semantics_vector(vector: dict[str, Any]) -> None:
    """Vectors written from GitHub's CODEOWNERS documentation and git's gitignore pattern
    format, checked against git and hmarr/codeowners (each names its source)."""
    owners = CodeOwners.from_text(vector["pattern"] + " @owner\n")
    assert (owners.owners_for(vector["path"]) == ("@owner",)) is vector["matches"], vector


def test_a_folder_is_owned_by_the_line_for_what_is_in_it() -> None:
    owners = CodeOwners.from_text("* @all\n/plans/web/ @web\n*.yaml @yaml\n")
    rule = owners.rule_for_directory("plans/web")
    assert rule is not None and rule.pattern == "/plans/web/"
    assert owners.owners_for("plans/web/plan.yaml") == ("@yaml",)
