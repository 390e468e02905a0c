"""A handle with a lone surrogate (valid JSON: "\ud800") gets a pseudonym: it once failed the
DAG's quarantine task with UnicodeEncodeError on the bad-input corpus."""

from labctl.governance.pseudonym import Pseudonymiser


def test_a_lone_surrogate_in_a_handle_gets_a_stable_pseudonym_of_its_own():
    pseudonymiser = Pseudonymiser(b"k" * 32)
    odd = "\ud800user@example.org"
    assert pseudonymiser.pseudonym(odd) == pseudonymiser.pseudonym(odd.upper())
    assert pseudonymiser.pseudonym(odd) != pseudonymiser.pseudonym("user@example.org")
