"""engage/ids.py: ids and references stay unique and unpredictable with the buffered random bytes."""

from __future__ import annotations

import os
import re
import threading

from engage.ids import _random, new_reference, uuid7


def test_ids_are_version_7_time_ordered_and_unique() -> None:
    ids = [uuid7() for _ in range(5_000)]  # more than one 4 KiB read of random bytes
    assert len(set(ids)) == len(ids)
    assert all(uid.version == 7 and uid.variant == "specified in RFC 4122" for uid in ids)
    stamps = [uid.int >> 80 for uid in ids]
    assert stamps == sorted(stamps)


def test_references_are_well_formed_unique_and_use_every_symbol() -> None:
    references = [new_reference() for _ in range(5_000)]
    assert all(re.fullmatch(r"ENG-[0-9A-HJKMNP-TV-Z]{5}-[0-9A-HJKMNP-TV-Z]{5}", ref) for ref in references)
    assert len(set(references)) == len(references)
    # 50 random bits: the first symbol carries bits too, not only zeroes.
    assert len({ref[4] for ref in references}) == 32


def test_threads_never_share_random_bytes() -> None:
    taken: list[bytes] = []

    def take() -> None:
        taken.extend(_random.take(10) for _ in range(2_000))

    threads = [threading.Thread(target=take) for _ in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert len(set(taken)) == len(taken) == 8_000


def test_a_forked_child_does_not_reuse_its_parents_bytes() -> None:
    _random.take(1)  # the parent holds unread bytes when it forks
    read_end, write_end = os.pipe()
    child = os.fork()
    if child == 0:  # pragma: no cover - the child reports through the pipe
        os.write(write_end, _random.take(16))
        os._exit(0)
    os.close(write_end)
    from_child = os.read(read_end, 16)
    os.close(read_end)
    os.waitpid(child, 0)
    assert len(from_child) == 16
    assert from_child != _random.take(16)


def test_crockford_symbols_are_the_value_in_base_32_most_significant_first() -> None:
    from engage.ids import _crockford

    for value, length in [
        (0, 10),
        (1, 10),
        (31, 2),
        (32, 2),
        (2**50 - 1, 10),
        (123_456_789_012, 10),
        (2**64 - 1, 13),
        (2**64 - 1, 10),
    ]:
        expected, rest = "", value
        for _ in range(length):
            rest, digit = divmod(rest, 32)
            expected = "0123456789ABCDEFGHJKMNPQRSTVWXYZ"[digit] + expected
        assert _crockford(value, length) == expected


def test_a_child_forked_while_the_lock_is_held_can_still_take_bytes() -> None:
    """Another thread of the parent may hold the lock at the fork; the child must not wait for it forever."""
    import signal

    read_end, write_end = os.pipe()
    with _random._lock:
        child = os.fork()
        if child == 0:  # pragma: no cover - the child reports through the pipe
            signal.alarm(5)  # a deadlocked child dies instead of hanging the test
            os.write(write_end, _random.take(8))
            os._exit(0)
    os.close(write_end)
    from_child = os.read(read_end, 8)
    os.close(read_end)
    _, status = os.waitpid(child, 0)
    assert os.WIFEXITED(status) and os.WEXITSTATUS(status) == 0
    assert len(from_child) == 8
