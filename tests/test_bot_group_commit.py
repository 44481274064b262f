"""bot.queue.group.GroupCommit: concurrent writes share transactions, and each gets its own
answer or its group's error."""

from __future__ import annotations

import threading
import time
from collections.abc import Sequence

import pytest

from bot.queue.group import GroupCommit, _Waiting


class Store:
    """A write that takes a while (as a commit does), counting its calls."""

    def __init__(self, fail_on: int | None = None) -> None:
        self.groups: list[list[int]] = []
        self.fail_on = fail_on
        self.first_started = threading.Event()
        self.release = threading.Event()

    def write(self, items: Sequence[int]) -> list[int]:
        self.groups.append(list(items))
        if len(self.groups) == 1:
            self.first_started.set()
            assert self.release.wait(60)  # hold the first group while the others queue
        if self.fail_on is not None and self.fail_on in items:
            raise OSError(f"disk full while writing {self.fail_on}")
        return [item * 10 for item in items]


def run_threads(commit: GroupCommit[int, int], items: list[int],
                store: Store) -> dict[int, int | str]:  # fmt: skip
    answers: dict[int, int | str] = {}

    def submit(item: int) -> None:
        try:
            answers[item] = commit.submit(item)
        except OSError as exc:
            answers[item] = str(exc)

    first = threading.Thread(target=submit, args=(items[0],))
    first.start()
    assert store.first_started.wait(60)
    others = [threading.Thread(target=submit, args=(item,)) for item in items[1:]]
    for thread in others:
        thread.start()
    deadline = time.monotonic() + 60
    while commit.waiting() < len(items):  # every other thread queues behind the first group
        assert time.monotonic() < deadline, "the threads did not queue"
        threading.Event().wait(0.01)
    store.release.set()
    for thread in [first, *others]:
        thread.join(60)
    return answers


def test_writes_that_arrive_together_are_written_together() -> None:
    store = Store()
    commit: GroupCommit[int, int] = GroupCommit(store.write)
    answers = run_threads(commit, list(range(1, 21)), store)
    assert answers == {item: item * 10 for item in range(1, 21)}  # each its own result
    # the first alone (nobody else was waiting), then the 19 queued behind it in one group,
    # in the order they queued (which the scheduler picks, not the order of start())
    assert len(store.groups) == 2 and store.groups[0] == [1]
    assert sorted(store.groups[1]) == list(range(2, 21))


def test_a_failed_group_is_written_again_one_by_one_and_only_the_bad_write_fails() -> None:
    """One delivery whose key's lock times out must not fail the acks it was grouped with."""
    store = Store(fail_on=7)
    commit: GroupCommit[int, int] = GroupCommit(store.write)
    answers = run_threads(commit, list(range(1, 11)), store)
    assert answers == {**{i: i * 10 for i in range(1, 11)}, 7: "disk full while writing 7"}
    first, group, *alone = store.groups
    assert first == [1] and sorted(group) == list(range(2, 11))
    assert alone == [[i] for i in group]  # the failed group again, one write each
    assert commit.submit(11) == 110  # later writes are not held up by the failure


def test_a_thread_that_stops_waiting_neither_blocks_nor_leaves_the_others_waiting() -> None:
    """A waiting thread interrupted (KeyboardInterrupt in a dev server's main thread) is
    skipped; had it been handed the lead, the next waiting thread leads instead."""
    store = Store()
    commit: GroupCommit[int, int] = GroupCommit(store.write)
    first = threading.Thread(target=commit.submit, args=(1,))
    first.start()
    assert store.first_started.wait(60)  # 1 is being written: the others queue behind it
    waiting = _Waiting(2)
    commit._waiting.append(waiting)  # a thread queued behind the leader ...
    late: dict[str, int] = {}
    second = threading.Thread(target=lambda: late.setdefault("3", commit.submit(3)))
    second.start()
    deadline = time.monotonic() + 60
    while commit.waiting() < 3:
        assert time.monotonic() < deadline, "the thread did not queue"
        threading.Event().wait(0.01)
    commit._abandon(waiting)  # ... stops waiting (as submit does on an interrupt)
    store.release.set()
    first.join(60)
    second.join(60)
    assert late == {"3": 30} and not second.is_alive()
    assert store.groups[0] == [1] and 2 not in [i for g in store.groups[1:] for i in g]
    assert commit.waiting() == 0


def test_a_lone_write_is_written_at_once() -> None:
    groups: list[list[str]] = []

    def write(items: Sequence[str]) -> list[str]:
        groups.append(list(items))
        return [item.upper() for item in items]

    commit: GroupCommit[str, str] = GroupCommit(write)
    assert [commit.submit("a"), commit.submit("b")] == ["A", "B"]
    assert groups == [["a"], ["b"]]


def test_a_write_that_answers_for_fewer_items_fails_them_all() -> None:
    commit: GroupCommit[int, int] = GroupCommit(lambda items: [])
    with pytest.raises(RuntimeError, match="wrote 1 items, got 0 results"):
        commit.submit(1)
