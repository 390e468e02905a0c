# One account's figures computed straight from a file of statuses, following docs/metrics.md
# (metrics 1 and 2), without any of the lab's code. Run with -s (the whole file as one array)
# and --arg handle user@host.
#
# Like the collector, drop every record whose author, or whose boosted original's author,
# set `noindex` (exercise 4): those never reach the raw zone.
def handle: .acct as $acct | (if ($acct | test("@")) then $acct else $acct + "@" + ((.url // "") | split("/")[2]) end) | ascii_downcase;

[ .[] | select(((.account.noindex == true) or (.reblog.account.noindex == true)) | not) ]
# Every status of a record: the status itself, and the original a boost embeds.
| [ .[] | ., (.reblog // empty) ]
| map(select(.account | handle == $handle)) as $mine
# Metric 1: the account object of its most recent status or boost (created_at, then numeric id).
| ($mine | max_by([.created_at, (.id | tonumber)]) | .account) as $latest
# Metric 2: its original statuses, one per uri, each count the maximum over the copies.
| ($mine | map(select(.reblog == null)) | group_by(.uri)
   | map({favourites: (map(.favourites_count) | max), reblogs: (map(.reblogs_count) | max), replies: (map(.replies_count) | max)})) as $originals
| {
    followers: $latest.followers_count,
    statuses: ($originals | length),
    interactions: ($originals | map(.favourites + .reblogs + .replies) | add)
  }
