"""The metrics a generated recording must yield, known from how it was generated.

This never reads the recording back: it tallies the generator's own facts
(the canonical link behind each written href, the tag behind each typed
spelling, ...). Tests hold it against the oracle in smoke_tests/, which parses
the recording, so a parsing mistake on either side shows up as a difference.
It keeps every distinct status in memory: meant for test-sized data sets.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass
from typing import Any

from labctl.seedgen.accounts import Account, Snapshot
from labctl.seedgen.statuses import Facts
from labctl.seedgen.timeline import Entry
from labctl.seedgen.world import region_of


@dataclass(slots=True)
class _Latest:
    order: tuple[int, int]  # (created_at ms, numeric id) of the observation
    snapshot: Snapshot
    account: Account


class Truth:
    def __init__(self) -> None:
        self._statuses: dict[str, tuple[Facts, list[int]]] = {}
        self._boosts: set[str] = set()
        self._latest: dict[str, _Latest] = {}
        self.malformed = 0

    def observe(self, entry: Entry) -> None:
        original = entry.original
        if entry.boost is not None:
            boost = entry.boost
            self._boosts.add(boost.key)
            self._seen_author(boost.booster, boost.snapshot, (boost.created_ms, int(boost.id)))
        facts = original.facts
        # Without a uri the contract de-duplicates by id, and each server numbers a status its own
        # way: one uri-less status shown by two recorded instances counts twice.
        keys = [facts.key] if "://" in facts.key else [f"{facts.key}@{instance}" for instance in entry.instances]
        for key in keys:
            if key in self._statuses:
                kept = self._statuses[key][1]
                kept[:] = [max(a, b) for a, b in zip(kept, entry.counts)]
            else:
                self._statuses[key] = (facts, list(entry.counts))
        self._seen_author(original.author, original.snapshot, (original.created_ms, int(original.id)))

    def _seen_author(self, account: Account, snap: Snapshot, order: tuple[int, int]) -> None:
        latest = self._latest.get(account.handle)
        if latest is None or order > latest.order:
            self._latest[account.handle] = _Latest(order, snap, account)

    def document(self) -> dict[str, Any]:
        """The metrics in the contract's JSON form (docs/metrics.md)."""
        # A hidden follower count is written -1; the contract reads every count as at least 0.
        latest = sorted(self._latest.items(), key=lambda item: (-max(item[1].snapshot.followers, 0), item[0]))
        followers = {
            handle: {"followers": max(seen.snapshot.followers, 0), "following": max(seen.snapshot.following, 0),
                     "statuses_count": max(seen.snapshot.statuses, 0)}
            for handle, seen in latest
        }  # fmt: skip
        authored: Counter[str] = Counter()
        interactions: Counter[str] = Counter()
        languages, media, urls, domains, tags, mentions, emojis = (Counter() for _ in range(7))
        instances, regions = Counter(), Counter()
        languages_in: dict[str, Counter[str]] = {}
        # [statuses, interactions] with media, without, and per attachment type
        groups: dict[str, list[int]] = {"with_media": [0, 0], "without_media": [0, 0]}
        by_type: dict[str, list[int]] = {}
        with_media = 0
        for facts, (replies, reblogs, favourites) in self._statuses.values():
            total = replies + reblogs + favourites
            authored[facts.handle] += 1
            interactions[facts.handle] += total
            languages[facts.language] += 1
            host = facts.handle.partition("@")[2]
            instances[host] += 1
            regions[region_of(host)] += 1
            languages_in.setdefault(region_of(host), Counter())[facts.language] += 1
            for group in [groups["with_media" if facts.media_types else "without_media"]] + [
                by_type.setdefault(kind, [0, 0]) for kind in set(facts.media_types)
            ]:
                group[0] += 1
                group[1] += total
            media.update(facts.media_types)
            with_media += bool(facts.media_types)
            urls.update(facts.urls)
            domains.update(facts.domains)
            tags.update(facts.tags)
            mentions.update(facts.mentions)
            emojis.update(facts.emojis)
        engagement = {}
        for handle in sorted(authored, key=lambda handle: (-interactions[handle], handle)):
            n, total, fans = authored[handle], interactions[handle], followers[handle]["followers"]
            engagement[handle] = {
                "statuses": n,
                "interactions": total,
                "followers": fans,
                "avg_interactions": total / n,
                "engagement_rate": total / (n * max(fans, 1)),
            }
        months = Counter(latest.account.created_month for latest in self._latest.values())
        growth, cumulative = {}, 0
        for month in sorted(months):
            cumulative += months[month]
            growth[month] = {"new": months[month], "cumulative": cumulative}
        return {
            "totals": {
                "statuses": len(self._statuses),
                "boosts": len(self._boosts),
                "accounts": len(self._latest),
                "statuses_with_media": with_media,
                "malformed": self.malformed,
            },
            "followers": followers,
            "engagement": engagement,
            "user_growth": growth,
            "urls": _ranked(urls),
            "domains": _ranked(domains),
            "languages": _ranked(languages),
            "media_types": _ranked(media),
            "tags": _ranked(tags),
            "mentions": _ranked(mentions),
            "emojis": _ranked(emojis),
            "instances": _ranked(instances),
            "regions": _ranked(regions),
            "language_by_region": {region: _ranked(languages_in[region]) for region in _ranked(regions)},
            "media_engagement": {
                "with_media": _average(*groups["with_media"]),
                "without_media": _average(*groups["without_media"]),
                "by_type": {kind: _average(*by_type[kind]) for kind in sorted(by_type, key=lambda k: (-by_type[k][0], k))},
            },
        }


def _ranked(counts: Counter[str]) -> dict[str, int]:
    return dict(sorted(counts.items(), key=lambda item: (-item[1], item[0])))


def _average(statuses: int, interactions: int) -> dict[str, Any]:
    return {"statuses": statuses, "interactions": interactions,
            "avg_interactions": interactions / statuses if statuses else 0.0}  # fmt: skip
