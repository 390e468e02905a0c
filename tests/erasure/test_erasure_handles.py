"""Who is erased: handles as the metric contract forms them, look-alikes left alone, and the
list of erased accounts that keeps them out of later collections."""

from __future__ import annotations

import contract
import pytest
import scenario
from statusfactory import make_account, make_status

from labctl.governance.erased import ErasedAccounts, erased_pseudonyms
from labctl.governance.erasure import (
    ERASED,
    ErasureError,
    Needles,
    account_handle,
    canonical_handle,
    forget,
)
from labctl.governance.pseudonym import Pseudonymiser
from labctl.lake.fs import LocalFileSystem
from labctl.lake.layout import LakeLayout

PSEUDONYMISER = Pseudonymiser(b"s" * 32)

HANDLE_CASES = [
    ("alice", "https://Example.ORG/@alice"),
    ("Alice@Remote.Example", "https://remote.example/@Alice"),
    ("bob", "https://host.example:8443/@bob"),
    ("bob", "https://[::1]:8443/@bob"),
    ("bob", "https://[oops/@bob"),
    ("bob", ""),
    ("bob", None),
    ("", "https://x.example/@y"),
    (None, "https://x.example/@y"),
    (42, "https://x.example/@y"),
    ("carol", "not a url"),
]


@pytest.mark.parametrize("acct,url", HANDLE_CASES)
def test_account_handle_agrees_with_the_metric_contract(acct, url):
    assert account_handle(acct, url) == contract.handle(acct, url)


@pytest.mark.parametrize("given,expected", [
    ("alice@Example.org", "alice@example.org"),
    ("@Alice@example.org", "alice@example.org"),
    ("  bob_1@sub.host.example ", "bob_1@sub.host.example"),
])
def test_canonical_handle(given, expected):
    assert canonical_handle(given) == expected


@pytest.mark.parametrize("bad", ["alice", "@alice", "alice@", "a@b@c", "https://x.example/@a", "a b@c.example", ""])
def test_canonical_handle_refuses_what_is_not_user_at_host(bad):
    with pytest.raises(ErasureError, match="not a full handle") as caught:
        canonical_handle(bad)
    assert "user@host" in caught.value.hint


NEEDLES = Needles(["user7@replay.example", "replay.example/@user7"])


@pytest.mark.parametrize("text", [
    "cc @user7@replay.example!", "USER7@Replay.Example", "see https://replay.example/@user7",
    "https://replay.example/@user7/1234", '"acct":"user7@replay.example"',
])
def test_needles_find_the_account(text):
    assert NEEDLES.found_in(text) and NEEDLES.found_in(text.encode())


@pytest.mark.parametrize("text", [
    "user70@replay.example", "xuser7@replay.example", "user7@replay.example.org", "user7@replay.examples",
    "https://replay.example/@user70", "https://sub.replay.example/@user7", "user7 at replay dot example",
])
def test_needles_leave_look_alikes_alone(text):
    assert not NEEDLES.found_in(text) and NEEDLES.mask(text) == text


def test_a_url_naming_the_account_is_masked_whole():
    masked = NEEDLES.mask('<a href="https://replay.example/@user7/99?x=1">post</a> by user7@replay.example')
    assert masked == f'<a href="{ERASED}">post</a> by {ERASED}'


def test_forget_lists_the_pseudonym_for_later_collections(tmp_path):
    fs, layout = LocalFileSystem(tmp_path), LakeLayout()
    forget(fs, layout, scenario.HANDLE, hbase_forget=None, pseudonymiser=PSEUDONYMISER, audit_actor="a", reason="r")
    assert erased_pseudonyms(fs, layout) == {PSEUDONYMISER.pseudonym(scenario.HANDLE)}
    assert not list(fs.list_dir(f"{layout.state_zone}/erased"))[0].size


def test_erased_accounts_skip_their_statuses_and_boosts_of_them():
    erased = ErasedAccounts(PSEUDONYMISER, [PSEUDONYMISER.pseudonym(scenario.HANDLE)])
    own = make_status(1_800_000_000_000, 1, scenario.SUBJECT)
    assert erased.skip_reason(own) == "erased"
    assert erased.skip_reason(make_status(1_800_000_000_100, 2, make_account(3), reblog=own)) == "erased"
    for other in (scenario.PREFIXED, scenario.NAMESAKE, make_account(3)):
        assert erased.skip_reason(make_status(1_800_000_000_200, 3, other)) is None
    assert ErasedAccounts(PSEUDONYMISER, []).skip_reason(own) is None


def test_erased_accounts_are_redacted_from_new_mentions_and_replies():
    erased = ErasedAccounts(PSEUDONYMISER, [PSEUDONYMISER.pseudonym(scenario.HANDLE)])
    status = make_status(1_800_000_000_000, 1, make_account(3),
                         text=f"hi {scenario.mention_html(scenario.SUBJECT)} {scenario.mention_html(scenario.PREFIXED)}")
    status["mentions"] = [scenario.mention_entry(scenario.SUBJECT), scenario.mention_entry(scenario.PREFIXED)]
    status["in_reply_to_id"], status["in_reply_to_account_id"] = "123", scenario.SUBJECT["id"]
    redacted = erased.redact(status)
    assert [m["acct"] for m in redacted["mentions"]] == [scenario.PREFIXED["acct"]]
    assert redacted["in_reply_to_account_id"] is None and redacted["in_reply_to_id"] is None
    assert not scenario.TRACE.search(str(redacted)) and "user70" in redacted["content"]
    assert status["mentions"][0]["acct"] == "user7"  # the input is not modified
